namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The shipped code a job runs (New-SwarmJobPlan -Code): its name, its folder on the site and the tree hash
/// Sync-SwarmCode recorded there. The hash is part of the job's key, so changed code is a new job, never a
/// resume of the old one, and the record keeps it (<see cref="JobRecord.CodeHash"/>).
/// </summary>
public sealed record JobCode(string Name, string Directory, string TreeHash);
