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

    /// <summary>
    /// A file every rank waits for before it starts its agent; null starts at once. The site launcher writes
    /// it once the job runs and the agents' mailboxes are registered, so no agent talks to an exchange that
    /// does not know it yet, and a queued slice never looks live to its peers.
    /// </summary>
    public string? StartGate { get; init; }

    /// <summary>How long a rank waits for <see cref="StartGate"/> before it gives up (exit 75).</summary>
    public TimeSpan StartGateTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Ranks per node, rounded up: what mpiexec --ppn and PBS mpiprocs ask for.</summary>
    public int RanksPerNode => (Ranks.Count + Nodes - 1) / Nodes;
}
