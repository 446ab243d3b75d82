using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The content of a site's status.json: the launcher process, each agent's process and counters, and
/// the site's state. It is what Get-SwarmAgent shows and what Stop-SwarmSite stops, so it is rewritten
/// (atomically) at every change.
/// </summary>
public sealed record SiteStatus
{
    public int SchemaVersion { get; init; } = 1;

    public required string RunId { get; init; }

    public required string Site { get; init; }

    public SiteState State { get; init; }

    /// <summary>Why the site failed or stopped, with the fix; null otherwise.</summary>
    public string? Problem { get; init; }

    public RecordedProcess? Launcher { get; init; }

    public string? ExchangeUrl { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<AgentRecord> Agents { get; init; } = Array.Empty<AgentRecord>();

    /// <summary>The batch job the agents run in (Start-SwarmSite -Allocation); null when they run as processes of the launcher.</summary>
    public AllocationRecord? Allocation { get; init; }
}

/// <summary>
/// A site's allocation as recorded on disk, so Stop-SwarmSite can cancel the job even after its launcher
/// was killed. The job id is the scheduler's, meaningful on the cluster of <see cref="Host"/> (the login node that submitted it).
/// </summary>
public sealed record AllocationRecord(SchedulerKind Scheduler, string JobId, string Directory)
{
    public string? Host { get; init; }
}

/// <summary>
/// A process as recorded on disk: pid, start time, whether it leads its own process group, and the host
/// that started it. Login nodes behind one round-robin alias share a run root (a shared file system) but
/// not their pids, so a pid means something only on its <see cref="Host"/>: a stop elsewhere goes there.
/// </summary>
public sealed record RecordedProcess(int Pid, long StartTicks, bool LeadsGroup)
{
    /// <summary>The host name of the machine that started it (this machine's when recorded); null in records written before hosts were recorded.</summary>
    public string? Host { get; init; }

    public ProcessIdentity Identity => new(Pid, StartTicks);

    /// <summary>True when this record is of a process on this very machine (or from before hosts were recorded).</summary>
    public bool IsOnThisHost => Host is null || string.Equals(Host, ThisHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>This machine's host name, as recorded in <see cref="Host"/>.</summary>
    public static string ThisHost => Environment.MachineName;

    public static RecordedProcess Of(ProcessIdentity identity, bool leadsGroup) => new(identity.Pid, identity.StartTicks, leadsGroup) { Host = ThisHost };
}

/// <summary>One agent of the site: its mailbox id, its current process, restarts and last exit.</summary>
public sealed record AgentRecord
{
    public required string Name { get; init; }

    public Guid Id { get; init; }

    public AgentState State { get; init; }

    public RecordedProcess? Process { get; init; }

    public int Restarts { get; init; }

    public int? LastExitCode { get; init; }
}
