namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The seam for the run ledger: told once when an array settles (every element ended), with the tasks
/// that did not succeed. The ledger records runs per task from here; the scheduler keeps no ledger itself.
/// </summary>
public interface ITaskOutcomeSink
{
    void ArraySettled(JobRecord job, ArrayRecord array, long succeeded, IReadOnlyList<TaskOutcome> notSucceeded);
}
