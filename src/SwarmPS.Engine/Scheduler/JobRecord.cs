using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Everything needed to find, watch, cancel and resume one sweep on one site, saved as JSON in
/// <c>.swarm/jobs/&lt;key&gt;.json</c> and in the job root on the site. Written after every array submitted,
/// so a submit that fails half-way leaves an exact account of what is queued.
/// </summary>
public sealed class JobRecord
{
    public int SchemaVersion { get; set; } = 1;

    public string Key { get; set; } = "";

    public string Site { get; set; } = "";

    public SchedulerKind Scheduler { get; set; }

    /// <summary>The command as given (the ledger's statepoints use it).</summary>
    public List<string> Command { get; set; } = new();

    /// <summary>The command each task runs, paths resolved from <see cref="SubmittedFrom"/>; null when it is <see cref="Command"/>.</summary>
    public List<string>? RunCommand { get; set; }

    /// <summary>Machine label of the submitting repository (part of the key).</summary>
    public string? Machine { get; set; }

    /// <summary>The submitting repository: which clone this job belongs to, when several share a site.</summary>
    public string? Repository { get; set; }

    /// <summary>The directory the plan was made in; relative paths of the command were resolved from it.</summary>
    public string? SubmittedFrom { get; set; }

    public long TaskCount { get; set; }

    public List<string> ParameterNames { get; set; } = new();

    public string TaskSetFingerprint { get; set; } = "";

    /// <summary>
    /// The tree hash of the code the tasks run (Sync-SwarmCode's <c>.swarm-code.json</c> on the site, see
    /// New-SwarmJobPlan -Code); null when the job runs no shipped code. It is part of the key too, so changed
    /// code is a new job: -Resume of a plan made after the code changed is refused (JobCodeChanged) unless
    /// -Force, which resumes this job with the new code and records the new hash here (and on the attempt).
    /// </summary>
    public string? CodeHash { get; set; }

    /// <summary>The key without the code hash (<see cref="JobPlan.CodeFreeKey"/>), by which a plan under changed code finds this job; null for jobs without shipped code and for records written before it existed.</summary>
    public string? CodeFreeKey { get; set; }

    public string JobRoot { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    public List<AttemptRecord> Attempts { get; set; } = new();

    /// <summary>For a canary job (Submit-SwarmJob -Canary), the key of the sweep it tries; null for a sweep.</summary>
    public string? CanaryOf { get; set; }

    public IEnumerable<ArrayRecord> Arrays => Attempts.SelectMany(a => a.Arrays);

    public bool FullySubmitted => Arrays.All(a => a.JobId is not null);
}

/// <summary>One submission of some of the job's tasks: the first runs all, each -Resume runs what was missing or failed.</summary>
public sealed class AttemptRecord
{
    public int Number { get; set; }

    public DateTimeOffset Created { get; set; }

    /// <summary>The job's task indices on lines 1..n of this attempt's task file; null when all tasks, in order.</summary>
    public List<long>? Selection { get; set; }

    public int? Throttle { get; set; }

    /// <summary>The walltime each task of this attempt asked for (null: the site's default); Watch-SwarmJob raises it after a walltime kill.</summary>
    public TimeSpan? Walltime { get; set; }

    /// <summary>The memory in bytes each task of this attempt asked for (null: the site's default); Watch-SwarmJob raises it after an out-of-memory kill.</summary>
    public long? Memory { get; set; }

    /// <summary>The tree hash of the code this attempt ran (-Code); it differs from the first attempt's after Submit-SwarmJob -Resume -Force.</summary>
    public string? CodeHash { get; set; }

    /// <summary>When Stop-SwarmJob cancelled this attempt; its cancelled tasks then make the job Cancelled, not Failed.</summary>
    public DateTimeOffset? Stopped { get; set; }

    public List<ArrayRecord> Arrays { get; set; } = new();

    public long TaskAtLine(long line) => Selection is null ? line - 1 : Selection[(int)(line - 1)];
}

/// <summary>One array job: its slice of the attempt's task file, its scheduler id once queued, and its outcome once settled.</summary>
public sealed class ArrayRecord
{
    public int Attempt { get; set; }

    public int Wave { get; set; }

    public int Index { get; set; }

    public long Offset { get; set; }

    public int Count { get; set; }

    /// <summary>Null until the scheduler accepted it.</summary>
    public string? JobId { get; set; }

    public DateTimeOffset? Submitted { get; set; }

    /// <summary>Every element has ended; <see cref="Outcomes"/> then lists the ones that did not succeed.</summary>
    public bool Settled { get; set; }

    public List<TaskOutcome> Outcomes { get; set; } = new();
}

/// <summary>A task of a settled array that did not succeed: which one, how, with what exit code, and why (null in records written before the class was kept).</summary>
public sealed record TaskOutcome(long Task, SwarmTaskState State, int? ExitCode, string? Reason, FailureClass? Failure = null);
