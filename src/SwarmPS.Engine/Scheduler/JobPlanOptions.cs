namespace SwarmPS.Engine.Scheduler;

/// <summary>What the operator asks of a plan. Null means "take it from the site profile, else the scheduler".</summary>
public sealed record JobPlanOptions
{
    /// <summary>Most tasks in one array job; overrides the profile and the scheduler's own limit.</summary>
    public int? MaxArraySize { get; init; }

    /// <summary>Most array jobs in one wave (queued at once); overrides the profile.</summary>
    public int? MaxConcurrentJobs { get; init; }

    /// <summary>Most tasks of one array running at once (SLURM %N, SGE -tc, PBS max_run_subjobs, local pool size).</summary>
    public int? Throttle { get; init; }

    /// <summary>Expected run time of one task, for the wall-clock estimate.</summary>
    public TimeSpan? TaskDuration { get; init; }

    /// <summary>Walltime requested per task (array element); checked against the site's maximum.</summary>
    public TimeSpan? Walltime { get; init; }

    /// <summary>Queue (PBS, SGE) or partition (SLURM); null for the profile's default.</summary>
    public string? Queue { get; init; }

    /// <summary>Account or project; null for the profile's.</summary>
    public string? Account { get; init; }

    /// <summary>Memory per task (array element) in bytes; rendered per scheduler (SLURM --mem, PBS mem, SGE the site's memory complex).</summary>
    public long? Memory { get; init; }

    /// <summary>GPUs per task (array element); rendered per scheduler (SLURM --gres=gpu:n, PBS ngpus, SGE the site's GPU complex).</summary>
    public int? Gpus { get; init; }

    /// <summary>
    /// The name of the code shipped to the site with Sync-SwarmCode that the tasks run: its tree hash goes
    /// into the job's key and record, and each task gets its folder as SWARM_CODE_DIR. Null: no shipped code.
    /// </summary>
    public string? Code { get; init; }

    /// <summary>Extra scheduler options passed through verbatim, e.g. "--mem=4G" or "-l mem=4gb".</summary>
    public IReadOnlyList<string> Resources { get; init; } = Array.Empty<string>();
}
