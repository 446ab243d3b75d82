namespace SwarmPS.Engine.Launch;

/// <summary>Where a site's launch stands, as recorded in status.json.</summary>
public enum SiteState
{
    Starting,
    WaitingForPeers,
    Running,
    Finished,
    Failed,
    Stopped,
}
