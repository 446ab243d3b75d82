using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One batch job that runs a site's slice: rank i runs <see cref="Ranks"/>[i], the slice's agent i in
/// declaration order. Every rank's environment is already complete here (profile environment, proxies,
/// the agent's own variables, SWARM_ALLOCATION_RANK), so the script writer only writes it down.
/// </summary>
public sealed record AllocationPlan
{
    public required SchedulerKind Scheduler { get; init; }

    public required AllocationLauncher Launcher { get; init; }

    public required string Name { get; init; }

    public required IReadOnlyList<AllocationRank> Ranks { get; init; }

    public required int Nodes { get; init; }

    public TimeSpan? Walltime { get; init; }

    public string? Queue { get; init; }

    public string? Account { get; init; }

    /// <summary>Loaded by every rank before its agent starts.</summary>
    public IReadOnlyList<string> Modules { get; init; } = Array.Empty<string>();

    /// <summary>The profile's unset_environment, unset by every rank before its own variables are set.</summary>
    public IReadOnlyList<string> Unset { get; init; } = Array.Empty<string>();

    /// <summary>What the launch must tell the operator (a proxy kept despite unset_environment).</summary>
    public IReadOnlyList<string> Notices { get; init; } = Array.Empty<string>();

    /// <summary>Ranks per node, rounded up: what mpiexec --ppn and PBS mpiprocs ask for.</summary>
    public int RanksPerNode => (Ranks.Count + Nodes - 1) / Nodes;
}
