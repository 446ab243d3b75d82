namespace SwarmPS.Engine.Scheduler;

/// <summary>What one poll saw of one tracked array: the state of each of its elements (element n at index n-1).</summary>
public sealed record ArrayObservation(JobRecord Job, AttemptRecord Attempt, ArrayRecord Array, IReadOnlyList<SwarmTaskState> States);
