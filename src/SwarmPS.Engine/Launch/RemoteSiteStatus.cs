namespace SwarmPS.Engine.Launch;

/// <summary>
/// A site started on a remote host (Start-SwarmSite -Site &lt;remote&gt;): where it runs (the ssh target and
/// the host name that answered, which owns its processes), the launcher's pid there, its site directory
/// there, and its status.json as the remote launcher wrote it (the same record a local detached launch returns).
/// </summary>
public sealed record RemoteSiteStatus(string RunId, string Site, string Target, string Host, int Pid, string SiteDirectory, SiteStatus Status)
{
    public SiteState State => Status.State;

    /// <summary>Whether the launcher's pid was alive on its host when this was read.</summary>
    public bool LauncherAlive { get; init; } = true;

    public IReadOnlyList<AgentRecord> Agents => Status.Agents;
}
