namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// A canary that passed: the job that ran it (its own record, <see cref="JobRecord.CanaryOf"/> naming the
/// sweep), which task it ran, and what it showed. A canary that fails is an error, never a result.
/// </summary>
public sealed record CanaryResult(JobRecord Canary, long Task, int Attempt, string Summary);
