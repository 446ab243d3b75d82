using SwarmPS.Engine;
using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmExchange: runs the embedded exchange, detached (default) or in this session (-Foreground).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmExchange", SupportsShouldProcess = true)]
[OutputType(typeof(ExchangeInfo))]
public sealed class StartSwarmExchangeCommand : SwarmCmdlet
{
    private const int StartActivityId = 0x5e3c;

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
                // Serves until Ctrl+C; the -PassThru object and the ready line are written on this thread as
                // soon as it listens. The line goes to the host: a table of one object stays buffered in
                // Out-Default until a second object or the end, which for a server never comes.
                Await(writer => ExchangeServer.RunAsync(
                    options,
                    url => writer.Post(() =>
                    {
                        if (PassThru)
                        {
                            WriteObject(new ExchangeInfo(url, Environment.ProcessId, TimeSpan.Zero, 0, 0, 0, 0, options.StateDirectory));
                        }

                        WriteInformation(
                            new HostInformationMessage { Message = $"[exchange] serving {url} (pid {Environment.ProcessId}) from {options.StateDirectory}; Ctrl+C stops it" },
                            new[] { "PSHOST", "SwarmPS", "Landmark" });
                    }),
                    StopToken).ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
                return;
            }

            var manifest = MyInvocation.MyCommand.Module?.Path
                ?? throw new PSInvalidOperationException("Start-SwarmExchange must run from the imported SwarmPS module.");
            // $PSHOME/pwsh, never the process path: that is dotnet under the dotnet-tool pwsh (DESIGN.md).
            var psHome = (string)SessionState.PSVariable.GetValue("PSHOME");
            var command = DetachedExchangeLaunch.BuildCommand(DetachedExchangeLaunch.PwshIn(psHome), ModuleManifestPath.For(manifest), options);
            // A new record each time: PowerShell keeps the records it was given, so a reused one would be
            // rewritten under whoever collects them.
            var activity = $"Starting the exchange in {options.StateDirectory}";
            ExchangeStateFile state;
            try
            {
                state = Await(writer => DetachedExchangeLaunch.StartAsync(
                    command,
                    options,
                    TimeSpan.FromSeconds(60),
                    writer.Progress<TimeSpan>(waited => WriteProgress(new ProgressRecord(StartActivityId, activity, $"Waiting for it to listen: {waited.TotalSeconds:F0} s"))),
                    StopToken));
            }
            finally
            {
                // A stopped pipeline takes no more writes; its host clears the progress itself.
                if (!StopToken.IsCancellationRequested)
                {
                    WriteProgress(new ProgressRecord(StartActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                }
            }

            WriteLandmark($"[exchange] serving {state.Url} (pid {state.Pid}); log {state.LogFile}");
            if (PassThru)
            {
                WriteObject(Await(_ => ExchangeInfo.ReadAsync(options.StateDirectory, null, TokenVariable, StopToken)));
            }
        });
    }
}
