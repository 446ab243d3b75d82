namespace SwarmPS.Engine.Scheduler;

/// <summary>What a submit did: the record as it now stands, and how many arrays this call queued.</summary>
public sealed record SubmitResult(JobRecord Record, int ArraysSubmitted, int Attempt, string Summary);
