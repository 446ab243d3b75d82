namespace SwarmPS.Engine.Launch;

/// <summary>
/// An agent process as its site sees it. <see cref="NotStarted"/>: its launch ended (or has not got
/// that far) before its process was started. <see cref="Exited"/>: it ended with exit 0 (the exit code
/// is kept beside the state). <see cref="Stale"/>: recorded as running, but its process is gone and so
/// is the launcher that would have recorded why. <see cref="Queued"/>: a rank of the site's allocation
/// that waits in the scheduler's queue.
/// </summary>
public enum AgentState
{
    NotStarted,
    Queued,
    Starting,
    Running,
    Restarting,
    Exited,
    Failed,
    Stopped,
    Stale,
}
