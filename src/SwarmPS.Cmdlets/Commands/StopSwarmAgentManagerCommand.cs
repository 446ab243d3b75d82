using System.Management.Automation;
using SwarmPS.Engine.Control;
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
        if (ShouldProcess(identity.ToString(), "Stop"))
        {
            WriteObject(Await(_ => ManagerStopper.StopAsync(identity, Client, StopToken)));
        }
    });
}
