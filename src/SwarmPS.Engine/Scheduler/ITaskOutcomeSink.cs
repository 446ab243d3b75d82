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
    /// One poll's states of the arrays still tracked, all in one call, so a sink can write a sweep's
    /// thousands of tasks in a few batches rather than one per array. An array is reported until the poll
    /// that settles it, so every task's final state arrives exactly in its settling poll at the latest.
    /// </summary>
    /// <param name="observations">Each tracked array and its elements' states.</param>
    /// <param name="cancellationToken">
    /// Ctrl+C: a sink whose writes take long stops between its batches by throwing
    /// <see cref="OperationCanceledException"/>; the poll then saves nothing, and the next one reports the same again.
    /// </param>
    void TasksObserved(IReadOnlyList<ArrayObservation> observations, CancellationToken cancellationToken);
}
