using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmSite: stops what a launch started here (launcher and agents, orphans included), and only that.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmSite", SupportsShouldProcess = true)]
[OutputType(typeof(SiteStopResult))]
public sealed class StopSwarmSiteCommand : SwarmCmdlet
{
    private const int ActivityId = 0x51E3;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[]? Site { get; set; }

    /// <summary>Seconds between SIGTERM and SIGKILL.</summary>
    [Parameter]
    [ValidateRange(0, 300)]
    public int GraceSeconds { get; set; } = 5;

    [Parameter]
    public string? ExchangeUrl { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var layout in RunLocator.Find(SiteCatalog.Default, RunId, Site))
        {
            if (!ShouldProcess($"site {layout.Site} of run {RunId} ({layout.SiteDirectory})", "Stop"))
            {
                continue;
            }

            RunForItem(() =>
            {
                using var exchange = LaunchExchange.TryConnect(ExchangeUrl ?? SiteStatusFile.TryRead(layout.StatusFile)?.ExchangeUrl);
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
