using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// How one sweep will be submitted to one site: the tasks, the command, and the arrays grouped into
/// chained waves. Produced by <see cref="WavePlanner"/>; consumed by <see cref="JobSubmitter"/>.
/// </summary>
public sealed record JobPlan
{
    private readonly IReadOnlyList<string>? _runCommand;

    public required SiteProfile Site { get; init; }

    /// <summary>The command as the operator gave it: what the ledger's statepoints record.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>What each task runs: <see cref="Command"/> with paths resolved from the submitting directory (<see cref="TaskCommandResolver"/>).</summary>
    public IReadOnlyList<string> RunCommand
    {
        get => _runCommand ?? Command;
        init => _runCommand = value;
    }

    /// <summary>Where the plan was made; null for an engine caller that gave none (nothing resolved, no repository in the key).</summary>
    public JobOrigin? Origin { get; init; }

    public required TaskSet Tasks { get; init; }

    /// <summary>Which tasks this plan runs, ascending; null for all of them (a resume runs a subset).</summary>
    public IReadOnlyList<long>? Selection { get; init; }

    /// <summary>Tasks this plan runs (lines in its task file).</summary>
    public required long TaskCount { get; init; }

    public required int MaxArraySize { get; init; }

    /// <summary>Where the array size limit came from: "-MaxArraySize", "profile", "scheduler" or "default".</summary>
    public required string MaxArraySizeSource { get; init; }

    public int? MaxConcurrentJobs { get; init; }

    public int? Throttle { get; init; }

    public TimeSpan? Walltime { get; init; }

    public string? Queue { get; init; }

    public string? Account { get; init; }

    /// <summary>The shipped code the tasks run (-Code), or null.</summary>
    public JobCode? Code { get; init; }

    /// <summary>Memory per task in bytes; null for the site's default.</summary>
    public long? Memory { get; init; }

    /// <summary>GPUs per task; null for none.</summary>
    public int? Gpus { get; init; }

    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();

    public required IReadOnlyList<PlannedWave> Waves { get; init; }

    /// <summary>Lower bound on the sweep's wall-clock time, when a task duration was given or found in the ledger.</summary>
    public TimeSpan? EstimatedWallClock { get; init; }

    /// <summary>Where the task duration behind the estimate came from: "-TaskDuration", "ledger (n runs)", or null for no estimate.</summary>
    public string? EstimateSource { get; init; }

    /// <summary>Hash of repository, site, command and task set: the job record's name, found again on resubmission.</summary>
    public required string Key { get; init; }

    /// <summary>
    /// With <see cref="Code"/>: the key the job would have without its code hash, the same for this sweep under
    /// any code. Submit-SwarmJob -Resume finds an earlier job of the sweep by it when the code has changed.
    /// </summary>
    public string? CodeFreeKey { get; init; }

    public string SiteName => Site.Name;

    public SchedulerKind Scheduler => Site.Scheduler;

    public int ArrayCount => Waves.Sum(w => w.Arrays.Count);

    public int WaveCount => Waves.Count;

    public IEnumerable<PlannedArray> Arrays => Waves.SelectMany(w => w.Arrays);

    /// <summary>The global task index on line <paramref name="line"/> (1-based) of the task file.</summary>
    public long TaskAtLine(long line) => Selection is null ? line - 1 : Selection[(int)(line - 1)];
}
