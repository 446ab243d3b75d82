namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// What the operator asked for with Start-SwarmSite -Allocation (each null falls back to the profile's
/// allocation block, then to the scheduler's default). <see cref="Ranks"/> is a check, not a choice: the
/// slice's agent count decides the ranks, and a different explicit count is refused.
/// </summary>
public sealed record AllocationRequest
{
    public int? Nodes { get; init; }

    public int? Ranks { get; init; }

    /// <summary>As typed (600, 90m, 2h, 01:30:00); parsed by AllocationPlanner so errors are the engine's.</summary>
    public string? Walltime { get; init; }

    public string? Queue { get; init; }

    /// <summary>srun, mpiexec, pbsdsh or fork; null takes the profile's launcher, then the scheduler's usual one.</summary>
    public string? Launcher { get; init; }

    /// <summary>Job name shown by the scheduler (swarm-&lt;run&gt;-&lt;site&gt;).</summary>
    public required string Name { get; init; }
}
