using System.Management.Automation;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmSite: stops what a launch started here (launcher and agents, orphans included), and only that.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmSite", SupportsShouldProcess = true)]
[OutputType(typeof(SiteStopResult))]
public sealed class StopSwarmSiteCommand : LaunchedRunCmdlet
{
    private const int ActivityId = 0x51E3;

    /// <summary>Seconds between SIGTERM and SIGKILL.</summary>
    [Parameter]
    [ValidateRange(0, 300)]
    public int GraceSeconds { get; set; } = 5;

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var layout in SiteLayouts())
        {
            if (!ShouldProcess($"site {layout.Site} of run {RunId} ({layout.SiteDirectory})", "Stop"))
            {
                continue;
            }

            RunForItem(() =>
            {
                using var exchange = ConnectExchange(layout);
                if (exchange is null)
                {
                    WriteWarning($"[site {layout.Site}] no exchange URL or token (SWARM_EXCHANGE_TOKEN): processes are stopped, mailboxes are left to expire.");
                }

                var activity = $"Stop-SwarmSite {layout.Site} ({RunId})";
                try
                {
                    WriteProgress(new ProgressRecord(ActivityId, activity, $"stopping the launcher and agents (SIGTERM, up to {GraceSeconds} s grace, then SIGKILL)"));
                    var result = Await(_ => SiteStopper.StopAsync(layout, exchange, TimeSpan.FromSeconds(GraceSeconds), StopToken));
                    WriteObject(result);
                }
                finally
                {
                    if (!Stopping)
                    {
                        WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
                    }
                }
            });
        }
    });
}
