using SwarmPS.Engine;
using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmExchange: runs the embedded exchange, detached (default) or in this session (-Foreground).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmExchange", SupportsShouldProcess = true)]
[OutputType(typeof(ExchangeInfo))]
public sealed class StartSwarmExchangeCommand : SwarmCmdlet
{
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    [Parameter]
    public string BindAddress { get; set; } = "127.0.0.1";

    [Parameter]
    public string? StateDirectory { get; set; }

    [Parameter]
    public string TokenVariable { get; set; } = ExchangeToken.DefaultVariable;

    [Parameter]
    public SwitchParameter Foreground { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var options = new ExchangeServerOptions
        {
            Port = Port,
            BindAddress = BindAddress,
            TokenVariable = TokenVariable,
            StateDirectory = StateDirectory is null ? ExchangeServerOptions.DefaultStateDirectory() : GetUnresolvedProviderPathFromPSPath(StateDirectory),
        };
        if (!ShouldProcess($"{options.BindAddress}:{options.Port} ({options.StateDirectory})", "Start exchange"))
        {
            return;
        }

        Run(() =>
        {
            if (Foreground)
            {
                // Serves until Ctrl+C; the ready landmark and -PassThru object are written on this thread.
                Await(writer => ExchangeServer.RunAsync(
                    options,
                    url => writer.Post(() =>
                    {
                        WriteLandmark($"[exchange] serving {url} from {options.StateDirectory}; Ctrl+C stops it");
                        if (PassThru)
                        {
                            WriteObject(new ExchangeInfo(url, Environment.ProcessId, TimeSpan.Zero, 0, 0, 0, 0, options.StateDirectory));
                        }
                    }),
                    StopToken).ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
                return;
            }

            var manifest = MyInvocation.MyCommand.Module?.Path
                ?? throw new PSInvalidOperationException("Start-SwarmExchange must run from the imported SwarmPS module.");
            // $PSHOME/pwsh, never the process path: that is dotnet under the dotnet-tool pwsh (DESIGN.md).
            var pwsh = System.IO.Path.Combine((string)SessionState.PSVariable.GetValue("PSHOME"), OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
            var command = DetachedExchangeLaunch.BuildCommand(pwsh, ModuleManifestPath.For(manifest), options);
            var state = Await(_ => DetachedExchangeLaunch.StartAsync(command, options, TimeSpan.FromSeconds(60), StopToken));
            WriteLandmark($"[exchange] serving {state.Url} (pid {state.Pid}); log {state.LogFile}");
            if (PassThru)
            {
                WriteObject(Await(_ => ExchangeInfo.ReadAsync(options.StateDirectory, null, TokenVariable, StopToken)));
            }
        });
    }
}
