using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Stages a plan's task file and job script to the site and submits its arrays wave by wave, each wave
/// depending (afterany) on the previous one. The record is saved after every accepted array, so a
/// submit that fails half-way says exactly what is queued, and running Submit again queues only the rest.
/// The same plan submitted again finds its record: with resume, only missing or failed tasks go out again.
/// </summary>
public sealed class JobSubmitter
{
    private readonly ISiteShell _shell;
    private readonly JobRecordStore _store;
    private readonly JobTracker _tracker;
    private readonly ITaskOutcomeSink? _sink;

    /// <summary>
    /// Submits through <paramref name="shell"/>, keeps records in <paramref name="store"/>; the optional
    /// <paramref name="sink"/> (the run ledger) is told of each attempt and accepted array, and the
    /// <paramref name="tracker"/> should be given the same one.
    /// </summary>
    public JobSubmitter(ISiteShell shell, JobRecordStore store, JobTracker? tracker = null, ITaskOutcomeSink? sink = null)
    {
        _shell = shell;
        _store = store;
        _sink = sink;
        _tracker = tracker ?? new JobTracker(shell, store, sink: sink);
    }

    /// <summary>
    /// The exact commands a submit would run, for -WhatIf. Job ids are not known before submission; a
    /// dependency on an earlier array is written as {wave.array} in their place.
    /// </summary>
    public IReadOnlyList<string> Describe(JobPlan plan)
    {
        var adapter = SchedulerAdapters.For(plan.Scheduler);
        var existing = _store.Find(plan.Key);
        var layout = new JobLayout(JobLayout.JobRootFor(plan.Site.RunRoot, plan.Key), (existing?.Attempts.Count ?? 0) + 1);
        var arrays = ArrayRecords(plan, layout.Attempt);
        var lines = new List<string>
        {
            $"# stage {layout.TaskFile} ({plan.TaskCount} task lines) and {layout.Script} on {_shell.Target}",
        };
        lines.AddRange(arrays.Select(array => adapter.BuildSubmit(Submission(plan, layout, arrays, array)).ToString()));
        return lines;
    }

    /// <summary>
    /// The plan Submit-SwarmJob -Resume submits when the shipped code changed since the sweep was submitted.
    /// The code hash is part of the key, so the plan is a new job with no record, and -Resume alone would
    /// submit every task again under the new code while the operator asked for the failed ones. That is
    /// refused (<c>JobCodeChanged</c>, naming both jobs and both hashes); with <paramref name="force"/> the plan
    /// takes the earlier job's key, so only its missing or failed tasks go out, running the new code. Any other
    /// plan is returned as it is.
    /// </summary>
    public JobPlan ResumeTarget(JobPlan plan, bool resume, bool force)
    {
        if (!resume || plan.CodeFreeKey is null || _store.Find(plan.Key) is not null)
        {
            return plan;
        }

        var earlier = _store.List()
            .Where(r => r.CodeFreeKey == plan.CodeFreeKey && r.Key != plan.Key)
            .OrderByDescending(r => r.Created)
            .FirstOrDefault();
        if (earlier is null)
        {
            return plan;
        }

        if (!force)
        {
            throw new SwarmException(
                "JobCodeChanged",
                $"This sweep was submitted to '{plan.SiteName}' as job {earlier.Key} with code {Short(earlier.CodeHash)}; the shipped code '{plan.Code!.Name}' is now {Short(plan.Code.TreeHash)}, so this plan is a new job ({plan.Key}) and has nothing to resume.",
                $"Submit without -Resume to run every task with the new code as job {plan.Key}, or add -Force to resume job {earlier.Key} (only its missing or failed tasks) with the new code.",
                SwarmErrorCategory.InvalidOperation,
                plan.Key);
        }

        return plan with { Key = earlier.Key };
    }

    private static string Short(string? hash) => hash is null ? "(none)" : hash.Length > 12 ? hash[..12] : hash;

    public async Task<SubmitResult> SubmitAsync(JobPlan plan, bool resume = false, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var record = _store.Find(plan.Key);
        AttemptRecord attempt;
        JobPlan attemptPlan;
        if (record is null)
        {
            record = NewRecord(plan);
            attempt = NewAttempt(record, plan);
            attemptPlan = plan;
            _store.Save(record);
        }
        else if (!record.FullySubmitted)
        {
            // A submit stopped half-way: finish that attempt, never resubmitting an array that has an id.
            attempt = record.Attempts.Last(a => a.Arrays.Any(x => x.JobId is null));
            attemptPlan = plan with { Selection = attempt.Selection, TaskCount = attempt.Selection?.Count ?? plan.Tasks.Count };
            progress?.Report($"continuing attempt {attempt.Number}: {attempt.Arrays.Count(a => a.JobId is null)} of {attempt.Arrays.Count} arrays were not submitted");
        }
        else if (!resume)
        {
            throw new SwarmException(
                "JobAlreadySubmitted",
                $"This command and task set were already submitted to '{plan.SiteName}' as job {plan.Key} ({record.Arrays.Count()} arrays, {record.Attempts.Count} attempt(s)).",
                $"Watch it with Get-SwarmJob -Id {plan.Key}; add -Resume to submit only its missing or failed tasks.",
                SwarmErrorCategory.ResourceExists,
                plan.Key);
        }
        else
        {
            // One status query answers both "is anything still running" and "which tasks did not succeed".
            var status = (await _tracker.QueryAsync(plan.Site, new[] { record }, null, cancellationToken).ConfigureAwait(false))[0];
            if (!status.IsFinished)
            {
                throw new SwarmException(
                    "JobStillRunning",
                    $"Job {plan.Key} still has {status.Pending} pending and {status.Running} running tasks; resuming now could run a task twice.",
                    $"Wait for it (Wait-SwarmJob -Id {plan.Key}) or stop it (Stop-SwarmJob -Id {plan.Key}), then resume.",
                    SwarmErrorCategory.InvalidOperation,
                    plan.Key);
            }

            var selection = status.Tasks.Select(t => t.Task).Order().ToList();
            if (selection.Count == 0)
            {
                return new SubmitResult(record, 0, record.Attempts.Last().Number, $"job {plan.Key}: all {record.TaskCount} tasks succeeded; nothing to resume");
            }

            attemptPlan = AttemptPlan(plan, selection, plan.Walltime, plan.Memory);
            if (plan.Code is { } code && code.TreeHash != record.CodeHash)
            {
                // Only ResumeTarget with -Force gets here: this attempt runs the new code, and the record says so.
                progress?.Report($"job {record.Key}: resuming {selection.Count} task(s) with changed code {Short(record.CodeHash)} -> {Short(code.TreeHash)}");
                record.CodeHash = code.TreeHash;
            }

            attempt = NewAttempt(record, attemptPlan);
            _store.Save(record);
        }

        return await SubmitAttemptAsync(plan, record, attempt, attemptPlan, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits a new attempt of exactly <paramref name="tasks"/> (failed in their latest attempt, which has
    /// ended), asking for <paramref name="walltime"/> and <paramref name="memory"/> per task; other tasks
    /// of the job may still run. Watch-SwarmJob's resubmission: the caller has made sure no task goes twice.
    /// <paramref name="record"/> is the job's record as the caller tracks it; the new attempt is added to it.
    /// </summary>
    public async Task<SubmitResult> RetryAsync(JobPlan plan, JobRecord record, IReadOnlyList<long> tasks, TimeSpan? walltime, long? memory, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var attemptPlan = AttemptPlan(plan, tasks.Order().ToList(), walltime, memory);
        var attempt = NewAttempt(record, attemptPlan);
        _store.Save(record);
        return await SubmitAttemptAsync(plan, record, attempt, attemptPlan, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The plan of a new attempt of some tasks, with its own walltime and memory per task.</summary>
    private static JobPlan AttemptPlan(JobPlan plan, IReadOnlyList<long> selection, TimeSpan? walltime, long? memory)
    {
        // The command as first resolved: resolving again could differ if files moved, and the key must not.
        var options = OptionsOf(plan) with { Walltime = walltime, Memory = memory };
        return WavePlanner.Plan(plan.Site, plan.RunCommand, plan.Tasks, options, plan.MaxArraySize, selection)
            with { Command = plan.Command, RunCommand = plan.RunCommand, Origin = plan.Origin, Code = plan.Code, Key = plan.Key, Walltime = walltime, Memory = memory };
    }

    private async Task<SubmitResult> SubmitAttemptAsync(JobPlan plan, JobRecord record, AttemptRecord attempt, JobPlan attemptPlan, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        _sink?.AttemptPlanned(record, attempt, plan.Tasks);
        var layout = new JobLayout(record.JobRoot, attempt.Number);
        await StageAsync(attemptPlan, layout, cancellationToken).ConfigureAwait(false);
        var submitted = await SubmitArraysAsync(attemptPlan, record, attempt, layout, progress, cancellationToken).ConfigureAwait(false);
        await _shell.WriteFileAsync(layout.JobRoot + "/record.json", JobRecordStore.Serialize(record), cancellationToken).ConfigureAwait(false);
        return new SubmitResult(record, submitted, attempt.Number,
            $"job {record.Key}: attempt {attempt.Number} queued {submitted} array(s), {attemptPlan.TaskCount} tasks, in {attempt.Arrays.Select(a => a.Wave).Distinct().Count()} wave(s)");
    }

    private async Task<int> SubmitArraysAsync(JobPlan plan, JobRecord record, AttemptRecord attempt, JobLayout layout, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var adapter = SchedulerAdapters.For(plan.Scheduler);
        var submitted = 0;
        foreach (var array in attempt.Arrays.OrderBy(a => a.Wave).ThenBy(a => a.Index))
        {
            if (array.JobId is not null)
            {
                continue;
            }

            var submission = Submission(plan, layout, attempt.Arrays, array);
            string jobId;
            try
            {
                var result = await _shell.RunAsync(adapter.BuildSubmit(submission), cancellationToken).ConfigureAwait(false);
                jobId = adapter.ParseSubmitted(result, submission);
            }
            catch (SwarmException error) when (record.Arrays.Any(a => a.JobId is not null))
            {
                _store.Save(record);
                var queued = record.Arrays.Where(a => a.JobId is not null).Select(a => a.JobId!).ToList();
                throw new SwarmException(
                    "SubmitIncomplete",
                    $"Job {record.Key}: {queued.Count} of {record.Arrays.Count()} arrays are queued (ids {string.Join(", ", queued)}); array {array.Index} of wave {array.Wave} failed: {error.Message}",
                    $"Fix what the scheduler names (or wait if it said 'temporarily'), then run the same Submit-SwarmJob again: it submits only the {record.Arrays.Count(a => a.JobId is null)} arrays not yet queued, never one twice.",
                    error.Category,
                    record.Key,
                    error);
            }

            array.JobId = jobId;
            array.Submitted = DateTimeOffset.UtcNow;
            _store.Save(record);
            _sink?.ArrayQueued(record, attempt, array);
            submitted++;
            progress?.Report($"wave {array.Wave} array {array.Index}: {array.Count} tasks queued as {jobId}");
        }

        return submitted;
    }

    private async Task StageAsync(JobPlan plan, JobLayout layout, CancellationToken cancellationToken)
    {
        var mkdir = await _shell.RunAsync(
            // umask 077: every directory mkdir -p makes (the job root and its parents included) is 0700.
            new ShellCommand("sh", "-c", "umask 077 && mkdir -p \"$@\"", "sh", layout.StatusDirectory, layout.LogDirectory, layout.LocalDirectory, layout.JobRoot + "/results") { Timeout = TimeSpan.FromMinutes(1) },
            cancellationToken).ConfigureAwait(false);
        if (!mkdir.Succeeded)
        {
            throw new SwarmException(
                "StagingFailed",
                $"Could not create {layout.AttemptDirectory} on {_shell.Target}: {mkdir.StandardError.Trim()}",
                "Check that the site's run root exists and is writable (RunRoot in the site profile).",
                SwarmErrorCategory.PermissionDenied,
                layout.AttemptDirectory);
        }

        await _shell.WriteFileAsync(layout.TaskFile, TaskFileFormat.Write(plan.Tasks, plan.Selection), cancellationToken).ConfigureAwait(false);
        await _shell.WriteFileAsync(layout.Script, Encoding.UTF8.GetBytes(JobScriptWriter.Write(plan, layout)), cancellationToken, mode: SiteShellExtensions.ScriptMode).ConfigureAwait(false);
        foreach (var (path, text) in SchedulerAdapters.For(plan.Scheduler).SupportScripts(layout))
        {
            await _shell.WriteFileAsync(path, Encoding.UTF8.GetBytes(text), cancellationToken, mode: SiteShellExtensions.ScriptMode).ConfigureAwait(false);
        }
    }

    private static JobPlanOptions OptionsOf(JobPlan plan) => new()
    {
        MaxConcurrentJobs = plan.MaxConcurrentJobs,
        Throttle = plan.Throttle,
        Walltime = plan.Walltime,
        Queue = plan.Queue,
        Account = plan.Account,
        Memory = plan.Memory,
        Gpus = plan.Gpus,
        Resources = plan.Resources,
    };

    private static JobRecord NewRecord(JobPlan plan) => new()
    {
        Key = plan.Key,
        Site = plan.SiteName,
        Scheduler = plan.Scheduler,
        Command = plan.Command.ToList(),
        RunCommand = plan.RunCommand.SequenceEqual(plan.Command, StringComparer.Ordinal) ? null : plan.RunCommand.ToList(),
        Machine = plan.Origin?.Machine,
        Repository = plan.Origin?.Repository,
        SubmittedFrom = plan.Origin?.Directory,
        TaskCount = plan.Tasks.Count,
        ParameterNames = plan.Tasks.ParameterNames.ToList(),
        TaskSetFingerprint = plan.Tasks.Fingerprint,
        CodeHash = plan.Code?.TreeHash,
        CodeFreeKey = plan.CodeFreeKey,
        JobRoot = JobLayout.JobRootFor(plan.Site.RunRoot, plan.Key),
        Created = DateTimeOffset.UtcNow,
    };

    private static AttemptRecord NewAttempt(JobRecord record, JobPlan plan)
    {
        var attempt = new AttemptRecord
        {
            Number = record.Attempts.Count + 1,
            Created = DateTimeOffset.UtcNow,
            Selection = plan.Selection?.ToList(),
            Throttle = plan.Throttle,
            Walltime = plan.Walltime,
            Memory = plan.Memory,
            CodeHash = plan.Code?.TreeHash,
        };
        attempt.Arrays = ArrayRecords(plan, attempt.Number);
        record.Attempts.Add(attempt);
        return attempt;
    }

    /// <summary>The plan's arrays, in wave order, as an attempt records them (none submitted yet).</summary>
    private static List<ArrayRecord> ArrayRecords(JobPlan plan, int attempt) => plan.Arrays.Select(a => new ArrayRecord
    {
        Attempt = attempt,
        Wave = a.Wave,
        Index = a.Index,
        Offset = a.Offset,
        Count = a.Count,
    }).ToList();

    /// <summary>
    /// The one way an array is submitted, for Submit and for -WhatIf alike: it waits (afterany) on every
    /// array of the previous wave. Arrays go out wave by wave and a failed one stops the submit, so a
    /// previous array without a scheduler id is only ever seen by <see cref="Describe"/>, which shows
    /// it as {wave.array}.
    /// </summary>
    private static ArraySubmission Submission(JobPlan plan, JobLayout layout, IReadOnlyList<ArrayRecord> arrays, ArrayRecord array)
    {
        var previous = arrays.Where(a => a.Wave == array.Wave - 1).ToList();
        return new ArraySubmission(plan, new PlannedArray(array.Wave, array.Index, array.Offset, array.Count), layout, previous.Select(p => p.JobId ?? $"{{{p.Wave}.{p.Index}}}").ToList())
        {
            DependsOnArrays = previous.Select(p => p.Index).ToList(),
        };
    }
}
