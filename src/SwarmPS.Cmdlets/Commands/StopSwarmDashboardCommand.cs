using System.Management.Automation;
using SwarmPS.Engine.Dashboard;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmDashboard: ends a dashboard's server and its mirrors' ssh connections, from its record (after the pwsh that started it was killed, too).</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmDashboard", SupportsShouldProcess = true)]
[OutputType(typeof(DashboardStopResult))]
public sealed class StopSwarmDashboardCommand : SwarmCmdlet
{
    /// <summary>The run whose dashboard to stop; without it, every dashboard recorded under the mirror root.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string? RunId { get; set; }

    [Parameter]
    public string? MirrorRoot { get; set; }

    protected override void ProcessRecord() => RunForItem(() =>
    {
        var mirrorRoot = MirrorRoot is null ? DashboardOptions.DefaultMirrorRoot() : GetUnresolvedProviderPathFromPSPath(MirrorRoot);
        var runId = string.IsNullOrEmpty(RunId) ? null : RunId;
        if (!ShouldProcess(runId is null ? $"every dashboard under {mirrorRoot}" : $"dashboard of run {runId}", "Stop dashboard"))
        {
            return;
        }

        WriteObject(Await(_ => DashboardStopper.StopAsync(mirrorRoot, runId, StopToken)), enumerateCollection: true);
    });
}
