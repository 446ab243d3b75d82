using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Splits tasks into arrays no larger than the array limit and groups arrays into waves that hold at most
/// the concurrent-jobs limit of array ELEMENTS: schedulers count every element of an array as a job
/// against a user's limit (SLURM MaxSubmitJobs, PBS max_queued, SGE max_u_jobs), so a wave of N arrays
/// of 1000 is N*1000 jobs, not N. <see cref="Plan"/> is pure arithmetic over counts: planning a million tasks
/// allocates one small record per array, never one per task. <see cref="PlanAsync"/> is what an operator's
/// plan goes through: it first asks the scheduler its array limit when nobody else gave one.
/// </summary>
public static class WavePlanner
{
    /// <summary>Array sizes used when neither option, profile nor scheduler says (each scheduler's stock default).</summary>
    public static int DefaultMaxArraySize(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Slurm => 1000,   // MaxArraySize=1001 allows indices 0..1000; we use 1..N
        SchedulerKind.Sge => 75000,    // max_aj_tasks
        SchedulerKind.Pbs => 10000,    // max_array_size
        _ => int.MaxValue,             // the local pool has no array limit
    };

    /// <summary>
    /// Plans as <see cref="Plan"/> does, with the array limit from the options, else the site profile, else
    /// the scheduler (one read-only query through <paramref name="shell"/>, by default the site's own;
    /// asked only when the first two say nothing), else the scheduler's stock default. Without a task
    /// duration in the options, the estimate takes the median of the same command's finished runs in the
    /// origin repository's run store (<see cref="TaskDurationHistory"/>), when it has any.
    /// </summary>
    public static async Task<JobPlan> PlanAsync(
        SiteProfile site,
        IReadOnlyList<string> command,
        TaskSet tasks,
        JobPlanOptions options,
        JobOrigin? origin = null,
        ISiteShell? shell = null,
        CancellationToken cancellationToken = default)
    {
        var limit = SchedulerArrayLimit.IsNeeded(site, options)
            ? await SchedulerArrayLimit.AskAsync(site, shell ?? SiteShell.For(site), cancellationToken).ConfigureAwait(false)
            : null;
        // Without -TaskDuration, the ledger's finished runs of the same command say how long a task takes.
        var history = options.TaskDuration is null && origin is not null ? TaskDurationHistory.Find(origin.Repository, command) : null;
        var code = options.Code is { } name ? await ShippedCodeAsync(site, name, cancellationToken).ConfigureAwait(false) : null;
        return Plan(site, command, tasks, options, limit, origin: origin, history: history, code: code);
    }

    /// <summary>The code shipped to the site under <paramref name="name"/>; refused when none is there.</summary>
    private static async Task<JobCode> ShippedCodeAsync(SiteProfile site, string name, CancellationToken cancellationToken)
    {
        var (directory, shipped) = await CodeSync.CodeShipper.LocateShippedAsync(site, name, cancellationToken).ConfigureAwait(false);
        return shipped is null
            ? throw new SwarmException(
                "CodeNotShipped",
                $"No code named '{name}' has been shipped to site '{site.Name}' ({directory} has no {CodeSync.ShippedCode.FileName}).",
                $"Ship it first: Sync-SwarmCode -Site {site.Name} -CodeName {name} (from the experiment's folder), or leave -Code out.",
                SwarmErrorCategory.ObjectNotFound,
                name)
            : new JobCode(name, directory, shipped.TreeHash);
    }

    public static JobPlan Plan(
        SiteProfile site,
        IReadOnlyList<string> command,
        TaskSet tasks,
        JobPlanOptions? options = null,
        int? schedulerMaxArraySize = null,
        IReadOnlyList<long>? selection = null,
        JobOrigin? origin = null,
        TaskDurationHistory.Median? history = null,
        JobCode? code = null)
    {
        options ??= new JobPlanOptions();
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            throw new SwarmException(
                "CommandEmpty",
                "No command was given to run for each task.",
                "Give the program and its arguments, e.g. -Command python, train.py (each task gets its parameters as SWARM_KW_<NAME>).",
                SwarmErrorCategory.InvalidArgument);
        }

        var taskCount = selection?.Count ?? tasks.Count;
        if (taskCount == 0)
        {
            throw new SwarmException(
                "TaskSetEmpty",
                "There are no tasks to plan (the selection is empty).",
                "Nothing to resubmit: every task already succeeded.",
                SwarmErrorCategory.InvalidArgument);
        }

        var runCommand = origin is null ? command.ToArray() : TaskCommandResolver.Resolve(command, site, origin);
        var (arraySize, source) = ResolveArraySize(site, options, schedulerMaxArraySize);
        var concurrent = Positive(options.MaxConcurrentJobs ?? site.Limits.MaxConcurrentJobs, "MaxConcurrentJobs");
        var throttle = Positive(options.Throttle, "Throttle");
        CheckWalltime(site, options.Walltime);
        CheckResources(site, options.Memory, options.Gpus);

        var waves = PackWaves(taskCount, arraySize, concurrent);
        var duration = options.TaskDuration ?? history?.Duration;
        var estimateSource = options.TaskDuration is not null ? "-TaskDuration" : history?.Source;

        return new JobPlan
        {
            Site = site,
            Command = command.ToArray(),
            RunCommand = runCommand,
            Origin = origin,
            Tasks = tasks,
            Selection = selection,
            TaskCount = taskCount,
            MaxArraySize = arraySize,
            MaxArraySizeSource = source,
            MaxConcurrentJobs = concurrent,
            Throttle = throttle,
            Walltime = options.Walltime,
            Queue = options.Queue ?? site.Queue,
            Account = options.Account ?? site.Account,
            Memory = options.Memory,
            Gpus = options.Gpus,
            Resources = options.Resources.ToArray(),
            Waves = waves,
            EstimatedWallClock = Estimate(site, waves, throttle, duration),
            EstimateSource = estimateSource,
            Code = code,
            Key = KeyOf(site, runCommand, tasks, origin, code?.TreeHash),
            CodeFreeKey = code is null ? null : KeyOf(site, runCommand, tasks, origin),
        };
    }

    /// <summary>
    /// Cuts the tasks into arrays of at most <paramref name="arraySize"/> and fills each wave with arrays
    /// until it holds <paramref name="elementsPerWave"/> elements. The last array of a wave is cut short to
    /// fit and the next wave continues where it ended, so every wave but the last is exactly full and no
    /// array is ever larger than a wave (an array limit above the concurrent limit is capped by it).
    /// </summary>
    private static List<PlannedWave> PackWaves(long taskCount, int arraySize, int? elementsPerWave)
    {
        var capacity = elementsPerWave ?? long.MaxValue;
        var waves = new List<PlannedWave>();
        var current = new List<PlannedArray>();
        var room = capacity;
        var arrayIndex = 0;
        for (long offset = 0; offset < taskCount;)
        {
            if (room == 0)
            {
                waves.Add(new PlannedWave(waves.Count, current));
                current = new List<PlannedArray>();
                room = capacity;
            }

            var size = (int)Math.Min(Math.Min(arraySize, taskCount - offset), room);
            current.Add(new PlannedArray(waves.Count, arrayIndex++, offset, size));
            offset += size;
            room -= size;
        }

        waves.Add(new PlannedWave(waves.Count, current));
        return waves;
    }

    /// <summary>
    /// Memory and GPUs per task are checked here, at planning, so a plan the site cannot render never
    /// reaches submission: bounds first, then what the scheduler can express (Grid Engine needs the site's
    /// GPU complex; the local pool hands out no GPUs).
    /// </summary>
    private static void CheckResources(SiteProfile site, long? memory, int? gpus)
    {
        if (memory is < MinimumMemory)
        {
            throw new SwarmException(
                "PlanMemoryInvalid",
                $"The memory per task {memory} bytes is under the smallest request of 1 MiB ({MinimumMemory} bytes).",
                "Give memory per task in bytes; in PowerShell write it with a unit, e.g. -Memory 4GB or -Memory 512MB.",
                SwarmErrorCategory.InvalidArgument,
                "Memory");
        }

        if (gpus is { } count && count < 1)
        {
            throw new SwarmException(
                "PlanGpusInvalid",
                $"GPUs per task is {count}; it must be 1 or more.",
                "Give -Gpus a positive number of GPUs per task, or leave it out for a CPU-only sweep.",
                SwarmErrorCategory.InvalidArgument,
                "Gpus");
        }

        if (gpus is null)
        {
            return;
        }

        if (site.Scheduler == SchedulerKind.Sge && site.SchedulerResources.GpuComplex is null)
        {
            throw new SwarmException(
                "GpuComplexNotConfigured",
                $"Site '{site.Name}' runs Grid Engine, whose GPU resource has a site-defined name, and its profile names none.",
                $"Set scheduler_resources.gpu_complex in the site profile ({site.Source}) to the consumable complex that counts GPUs ('qconf -sc' lists them, e.g. gpu), or leave out -Gpus.",
                SwarmErrorCategory.InvalidArgument,
                site.Name);
        }

        if (site.Scheduler == SchedulerKind.Local)
        {
            throw new SwarmException(
                "PlanGpusUnsupported",
                $"Site '{site.Name}' is the local pool, which runs tasks as plain processes and does not hand out GPUs.",
                "Leave out -Gpus: every local task sees the machine's GPUs (set CUDA_VISIBLE_DEVICES in the command to choose), or submit to a batch site.",
                SwarmErrorCategory.InvalidArgument,
                site.Name);
        }
    }

    /// <summary>The smallest memory request: every scheduler is given whole MiB.</summary>
    public const long MinimumMemory = 1024 * 1024;

    /// <summary>Memory as whole MiB, rounded up, so a request never asks for less than was given.</summary>
    public static long MemoryMebibytes(long bytes) => (bytes + MinimumMemory - 1) / MinimumMemory;

    /// <summary>
    /// The job record key: the submitting repository (machine label and path hash), site, argv as run and
    /// task set, hashed. Same sweep from the same repository, same key; another clone gets another job.
    /// </summary>
    /// <summary>
    /// The job's key. With <paramref name="codeHash"/> (the shipped code's tree hash) the key changes when
    /// the code does; without it, it is the key a job had before code was recorded.
    /// </summary>
    public static string KeyOf(SiteProfile site, IReadOnlyList<string> command, TaskSet tasks, JobOrigin? origin = null, string? codeHash = null)
    {
        var text = origin is null ? new StringBuilder("swarm-job-v1\0") : new StringBuilder("swarm-job-v2\0").Append(origin.Identity).Append('\0');
        text.Append(site.Name).Append('\0');
        foreach (var word in command)
        {
            text.Append(word.Length).Append(':').Append(word).Append('\0');
        }

        if (codeHash is not null)
        {
            text.Append("code:").Append(codeHash).Append('\0');
        }

        text.Append(tasks.Fingerprint);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexString(hash, 0, 8).ToLowerInvariant();
    }

    /// <summary>
    /// A lower bound: each wave starts when the previous ends; inside a wave every array runs
    /// ceil(count / throttle) rounds of one task duration (the local pool shares one throttle across
    /// the wave). Queue wait is unknown and not included.
    /// </summary>
    private static TimeSpan? Estimate(SiteProfile site, List<PlannedWave> waves, int? throttle, TimeSpan? taskDuration)
    {
        if (taskDuration is not { } duration)
        {
            return null;
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new SwarmException(
                "TaskDurationInvalid",
                $"The task duration {duration} is not positive.",
                "Give how long one task runs, e.g. -TaskDuration 00:10:00.",
                SwarmErrorCategory.InvalidArgument);
        }

        long rounds = 0;
        foreach (var wave in waves)
        {
            if (site.Scheduler == SchedulerKind.Local)
            {
                var pool = throttle ?? Environment.ProcessorCount;
                rounds += wave.Arrays.Max(a => CeilDiv(a.Count, pool));
            }
            else
            {
                rounds += wave.Arrays.Max(a => CeilDiv(a.Count, throttle ?? a.Count));
            }
        }

        return TimeSpan.FromTicks(checked(duration.Ticks * rounds));
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;

    private static (int Size, string Source) ResolveArraySize(SiteProfile site, JobPlanOptions options, int? fromScheduler)
    {
        if (options.MaxArraySize is { } asked)
        {
            return (Positive(asked, "MaxArraySize")!.Value, "-MaxArraySize");
        }

        if (site.Limits.MaxArraySize is { } profile)
        {
            return (Positive(profile, "MaxArraySize")!.Value, "profile");
        }

        if (fromScheduler is > 0)
        {
            return (fromScheduler.Value, "scheduler");
        }

        return (DefaultMaxArraySize(site.Scheduler), "default");
    }

    private static void CheckWalltime(SiteProfile site, TimeSpan? walltime)
    {
        if (walltime is not { } asked)
        {
            return;
        }

        if (asked <= TimeSpan.Zero)
        {
            throw new SwarmException(
                "WalltimeInvalid",
                $"The walltime {asked} is not positive.",
                "Give a walltime such as -Walltime 02:00:00.",
                SwarmErrorCategory.InvalidArgument);
        }

        if (site.Limits.MaxWalltime is { } max && asked > max)
        {
            throw new SwarmException(
                "WalltimeExceedsSiteLimit",
                $"The requested walltime {SchedulerTime.Format(asked)} is over site '{site.Name}''s maximum of {SchedulerTime.Format(max)}.",
                $"Ask for {SchedulerTime.Format(max)} or less (split long tasks, or checkpoint and resume), or use a site or queue that allows longer jobs.",
                SwarmErrorCategory.InvalidArgument,
                site.Name);
        }
    }

    private static int? Positive(int? value, string name)
    {
        if (value is < 1)
        {
            throw new SwarmException(
                "PlanLimitInvalid",
                $"{name} is {value}; it must be 1 or more.",
                $"Give -{name} a positive number, or leave it out to use the site's limit.",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        return value;
    }
}
