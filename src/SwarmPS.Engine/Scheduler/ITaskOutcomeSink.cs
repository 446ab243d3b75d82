namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The seam for the run ledger (<see cref="LedgerRunRecorder"/>): told what the scheduler learns about
/// each task, in batches (an attempt, an array, a poll), never one call per task. The scheduler keeps no
/// ledger itself, and a sink must never fail a submit or a poll: it reports its problems its own way.
/// </summary>
public interface ITaskOutcomeSink
{
    /// <summary>An attempt's tasks are about to be staged and submitted (again, when a half-way submit continues).</summary>
    void AttemptPlanned(JobRecord job, AttemptRecord attempt, TaskSet tasks);

    /// <summary>The scheduler accepted an array; its tasks are queued.</summary>
    void ArrayQueued(JobRecord job, AttemptRecord attempt, ArrayRecord array);

    /// <summary>
    /// One poll's states of an array still tracked (element n at index n-1). An array is reported until the
    /// poll that settles it, so every task's final state arrives exactly in its settling poll at the latest.
    /// </summary>
    void TasksObserved(JobRecord job, AttemptRecord attempt, ArrayRecord array, IReadOnlyList<SwarmTaskState> states);
}
