using System.Management.Automation;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmAgentManager: stops this user's agent manager of a site and namespace on this machine; the slices it started keep running.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmAgentManager", SupportsShouldProcess = true)]
[OutputType(typeof(AgentManagerInfo))]
public sealed class StopSwarmAgentManagerCommand : ControlCmdlet
{
    /// <summary>The site it serves; default SWARM_SITE, else the catalog's only site.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var identity = ManagerIdentity.For(ResolvedNamespace, null, ManagerSite.Resolve(Site, SiteCatalog.Default));
        if (!ShouldProcess(identity.ToString(), "Stop"))
        {
            return;
        }

        // The process is stopped from its record; the exchange is only told (its mailbox terminated) when this
        // session knows where it is, so a dead manager can be cleaned up from a shell without the exchange settings.
        var reachable = !string.IsNullOrEmpty(ExchangeUrl) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ExchangeConnection.UrlVariable));
        if (!reachable)
        {
            WriteWarning($"No exchange given (-ExchangeUrl, {ExchangeConnection.UrlVariable}): the manager's mailbox is not terminated from here; it turns INACTIVE by itself once its heartbeats stop.");
        }

        WriteObject(Await(_ => ManagerStopper.StopAsync(identity, reachable ? Client : null, StopToken)));
    });
}
