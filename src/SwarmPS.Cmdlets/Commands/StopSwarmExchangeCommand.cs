using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmExchange: stops the exchange recorded in a state directory (SIGTERM, then SIGKILL after -TimeoutSeconds).</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmExchange", SupportsShouldProcess = true)]
[OutputType(typeof(ExchangeStateFile))]
public sealed class StopSwarmExchangeCommand : SwarmCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? StateDirectory { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 10;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => RunForItem(() =>
    {
        var directory = StateDirectory is null ? ExchangeServerOptions.DefaultStateDirectory() : GetUnresolvedProviderPathFromPSPath(StateDirectory);
        var state = ExchangeStateFile.Read(directory);
        if (state is null || !state.IsRunning())
        {
            throw ExchangeInfo.NotRunning(directory);
        }

        if (!ShouldProcess($"exchange pid {state.Pid} at {state.Url}", "Stop"))
        {
            return;
        }

        Await(_ => ExchangeProcess.StopAsync(state, TimeSpan.FromSeconds(TimeoutSeconds), StopToken));
        if (PassThru)
        {
            WriteObject(state);
        }
    });
}
