namespace SwarmPS.Engine.Dashboard;

/// <summary>Where a remote site's mirror stands (docs/dashboard.md "Where the data comes from").</summary>
public enum MirrorState
{
    /// <summary>Not polled yet.</summary>
    Connecting,

    /// <summary>The last poll reached the site directory and copied what was new.</summary>
    Up,

    /// <summary>The login host answered, but the run has no such site directory there (yet, or any more).</summary>
    Missing,

    /// <summary>ssh failed (or timed out): the login host was not reached.</summary>
    Unreachable,
}
