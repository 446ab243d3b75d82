namespace SwarmPS.Engine.Scheduler;

/// <summary>How many tasks are in each <see cref="SwarmTaskState"/>: the counts an array, a wave and a job report.</summary>
internal sealed class TaskStateTally
{
    public long NotSubmitted { get; private set; }

    public long Pending { get; private set; }

    public long Running { get; private set; }

    public long Succeeded { get; private set; }

    public long Failed { get; private set; }

    public long Cancelled { get; private set; }

    public void Add(SwarmTaskState state)
    {
        switch (state)
        {
            case SwarmTaskState.NotSubmitted: NotSubmitted++; break;
            case SwarmTaskState.Pending: Pending++; break;
            case SwarmTaskState.Running: Running++; break;
            case SwarmTaskState.Succeeded: Succeeded++; break;
            case SwarmTaskState.Failed: Failed++; break;
            case SwarmTaskState.Cancelled: Cancelled++; break;
            default: throw new ArgumentOutOfRangeException(nameof(state), state, "Not a task state.");
        }
    }

    /// <summary>
    /// The job's state from its tasks' counts: anything never submitted makes it Incomplete, then
    /// anything running or waiting is live; once all ended, any failure or cancellation makes it Failed,
    /// or Cancelled when the operator stopped it.
    /// </summary>
    public SwarmJobState JobState(bool stopped) =>
        NotSubmitted > 0 ? SwarmJobState.Incomplete
        : Running > 0 ? SwarmJobState.Running
        : Pending > 0 ? SwarmJobState.Queued
        : Failed + Cancelled > 0 ? (stopped ? SwarmJobState.Cancelled : SwarmJobState.Failed)
        : SwarmJobState.Succeeded;
}
