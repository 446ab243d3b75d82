namespace SwarmPS.Engine.Launch;

/// <summary>Where a site's launch stands, as recorded in status.json.</summary>
public enum SiteState
{
    Starting,

    /// <summary>The slice's allocation is in the scheduler's queue; the startup clock has not started.</summary>
    Queued,
    WaitingForPeers,
    Running,
    Finished,
    Failed,
    Stopped,
}

public static class SiteStates
{
    /// <summary>True while a launcher still owns the site: it may have processes or a batch job to stop.</summary>
    public static bool IsActive(this SiteState state) =>
        state is SiteState.Starting or SiteState.Queued or SiteState.WaitingForPeers or SiteState.Running;
}
