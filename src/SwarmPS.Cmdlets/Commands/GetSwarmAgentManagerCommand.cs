using System.Management.Automation;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgentManager: the agent managers of a namespace: site, user, Running/Stale/Stopped, last heartbeat, and what each runs.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgentManager")]
[OutputType(typeof(AgentManagerInfo))]
public sealed class GetSwarmAgentManagerCommand : ControlCmdlet
{
    /// <summary>Sites to look at; default every site of the catalog and every site with a manager's record on this machine.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Site { get; set; } = Array.Empty<string>();

    /// <summary>Whose managers; default yours (ids are derived from the user, so another user's are found by their name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var sites = Site.Length > 0 ? Site : SiteCatalog.Default.Names;
        foreach (var manager in Await(_ => ManagerDiscovery.FindAsync(Client, ResolvedNamespace, User, sites, StopToken)))
        {
            WriteObject(manager);
        }
    });
}
