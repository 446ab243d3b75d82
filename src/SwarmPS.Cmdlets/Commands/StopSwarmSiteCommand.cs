using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmSite: stops what a launch started here or on a remote site (-Site, over SSH to the host that started it), and only that.</summary>
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
        foreach (var site in RunLocator.RemoteSites(SiteCatalog.Default, Site))
        {
            if (ShouldProcess($"site {site.Name} of run {RunId} (on {site.LoginHost}, over SSH)", "Stop"))
            {
                RunForItem(() => WriteObject(Await(async _ =>
                {
                    // The exchange the remote launch used (through a tunnel: its local end), unless -ExchangeUrl names another: its mailboxes are terminated from here.
                    var url = ExchangeUrl ?? await RemoteSiteRun.OperatorExchangeUrlAsync(site, RunId, StopToken).ConfigureAwait(false);
                    using var exchange = LaunchExchange.TryConnect(url);
                    return await RemoteSiteRun.StopAsync(site, RunId, exchange, TimeSpan.FromSeconds(GraceSeconds), StopToken).ConfigureAwait(false);
                })));
            }
        }

        foreach (var layout in RunLocator.FindHere(SiteCatalog.Default, RunId, Site))
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
