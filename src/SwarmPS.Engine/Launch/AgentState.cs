namespace SwarmPS.Engine.Launch;

/// <summary>An agent process as its site sees it. <see cref="Stale"/>: recorded as running, but its process is gone (the launcher died).</summary>
public enum AgentState
{
    Starting,
    Running,
    Restarting,
    Exited,
    Failed,
    Stopped,
    Stale,
}
