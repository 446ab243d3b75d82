using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Answers "where do my jobs stand" for the jobs of one site with at most ONE shell round trip, however
/// many arrays and tasks are tracked: arrays already settled are answered from their records, the rest
/// from one <see cref="StatusProbe"/> (scheduler queries plus status files). Arrays found settled are
/// written back, so each is asked about until it ends and never again.
/// </summary>
public sealed class JobTracker
{
    private readonly ISiteShell _shell;
    private readonly JobRecordStore _store;
    private readonly StatusProbe _probe;
    private readonly ITaskOutcomeSink? _sink;

    public JobTracker(ISiteShell shell, JobRecordStore store, StatusProbe? probe = null, ITaskOutcomeSink? sink = null)
    {
        _shell = shell;
        _store = store;
        _probe = probe ?? new StatusProbe();
        _sink = sink;
    }

    /// <summary>The status of each record (all of one site). <paramref name="tasks"/> selects per-task detail; null gives the tasks that did not succeed.</summary>
    public async Task<IReadOnlyList<SwarmJob>> QueryAsync(
        SiteProfile site,
        IReadOnlyList<JobRecord> records,
        IReadOnlyCollection<long>? tasks = null,
        CancellationToken cancellationToken = default)
    {
        var adapter = SchedulerAdapters.For(site.Scheduler);
        var open = records
            .SelectMany(r => r.Attempts.SelectMany(a => a.Arrays.Where(x => x.JobId is not null && !x.Settled).Select(x => (Record: r, Attempt: a, Array: x))))
            .ToList();
        var tracked = open.Select(o => new TrackedArray(o.Array.JobId!, new JobLayout(o.Record.JobRoot, o.Attempt.Number), o.Array.Index, o.Array.Count)).ToList();

        var live = new Dictionary<ArrayRecord, SwarmTaskState[]>();
        var exitCodes = new Dictionary<ArrayRecord, Dictionary<int, (int? Exit, string? Reason)>>();
        if (tracked.Count > 0)
        {
            var directories = tracked.Select(t => t.Layout.StatusDirectory).Distinct(StringComparer.Ordinal).ToList();
            var result = await _probe.RunAsync(_shell, site.Name, adapter.BuildStatusSteps(tracked), directories, cancellationToken).ConfigureAwait(false);
            var snapshot = new SchedulerSnapshot();
            adapter.ParseStatus(result.Steps, tracked, snapshot);
            for (var i = 0; i < open.Count; i++)
            {
                // Ctrl+C between arrays, not after all of them: the ledger writes of a big sweep take seconds.
                // Nothing is saved then; the next poll sees the same and records it again (idempotently).
                cancellationToken.ThrowIfCancellationRequested();
                var (record, attempt, array) = open[i];
                var files = result.Files[directories.IndexOf(tracked[i].Layout.StatusDirectory)];
                var (states, details) = Resolve(attempt, array, snapshot, files);
                live[array] = states;
                exitCodes[array] = details;
                _sink?.TasksObserved(record, attempt, array, states);
                if (states.All(IsFinal))
                {
                    Settle(record, attempt, array, states, details);
                }
            }

            foreach (var record in open.Select(o => o.Record).Distinct())
            {
                _store.Save(record);
            }
        }

        return records.Select(r => Summarise(r, live, exitCodes, tasks)).ToList();
    }

    private static bool IsFinal(SwarmTaskState state) => state is SwarmTaskState.Succeeded or SwarmTaskState.Failed or SwarmTaskState.Cancelled;

    /// <summary>Per element: the exit file wins; else the scheduler's word, refined by the start mark.</summary>
    private static (SwarmTaskState[] States, Dictionary<int, (int? Exit, string? Reason)> Details) Resolve(
        AttemptRecord attempt, ArrayRecord array, SchedulerSnapshot snapshot, TaskFileStatus files)
    {
        var states = new SwarmTaskState[array.Count];
        var details = new Dictionary<int, (int?, string?)>();
        var jobKnown = snapshot.KnownJobs.Contains(array.JobId!);
        for (var index = 1; index <= array.Count; index++)
        {
            var task = attempt.TaskAtLine(array.Offset + index);
            if (files.ExitCodes.TryGetValue(task, out var exit))
            {
                states[index - 1] = exit == 0 ? SwarmTaskState.Succeeded : SwarmTaskState.Failed;
                details[index] = (exit, exit == 0 ? null : $"exit code {exit}");
                continue;
            }

            var started = files.Started.Contains(task);
            if (snapshot.TryGet(array.JobId!, index, out var element))
            {
                (states[index - 1], var reason) = element.State switch
                {
                    SchedulerElementState.Pending => (started ? SwarmTaskState.Running : SwarmTaskState.Pending, (string?)null),
                    SchedulerElementState.Running => (SwarmTaskState.Running, null),
                    SchedulerElementState.Cancelled => (SwarmTaskState.Cancelled, $"cancelled ({element.Detail})"),
                    // Ended without writing its exit status: killed (walltime, node failure, memory) before the script could.
                    _ => (SwarmTaskState.Failed, $"ended without an exit status ({element.Detail})"),
                };
                details[index] = (element.ExitCode, reason);
            }
            else if (started)
            {
                states[index - 1] = SwarmTaskState.Failed;
                details[index] = (null, jobKnown ? "started but the scheduler no longer reports it" : "started, then the scheduler forgot the job");
            }
            else
            {
                states[index - 1] = SwarmTaskState.Cancelled;
                details[index] = (null, "never ran and the scheduler no longer reports it (cancelled)");
            }
        }

        return (states, details);
    }

    private static void Settle(JobRecord record, AttemptRecord attempt, ArrayRecord array, SwarmTaskState[] states, Dictionary<int, (int? Exit, string? Reason)> details)
    {
        array.Settled = true;
        array.Outcomes = new List<TaskOutcome>();
        for (var index = 1; index <= states.Length; index++)
        {
            if (states[index - 1] == SwarmTaskState.Succeeded)
            {
                continue;
            }

            var (exit, reason) = details.GetValueOrDefault(index);
            array.Outcomes.Add(new TaskOutcome(attempt.TaskAtLine(array.Offset + index), states[index - 1], exit, reason));
        }
    }

    /// <summary>A stopped sweep reads Cancelled: the operator ended it (its Failed count still says what failed before).</summary>
    private static bool WasStopped(JobRecord record) => record.Attempts.Count > 0 && record.Attempts[^1].Stopped is not null;

    private static SwarmJob Summarise(
        JobRecord record,
        Dictionary<ArrayRecord, SwarmTaskState[]> live,
        Dictionary<ArrayRecord, Dictionary<int, (int? Exit, string? Reason)>> details,
        IReadOnlyCollection<long>? wanted)
    {
        // Latest attempt wins: a task failed in attempt 1 and resubmitted in attempt 2 counts once, as attempt 2 says.
        var latest = new SwarmTaskState[record.TaskCount];
        var where = wanted is null ? null : new Dictionary<long, SwarmTaskStatus>();
        var failures = new Dictionary<long, SwarmTaskStatus>();
        var arrays = new List<SwarmArrayStatus>();
        foreach (var attempt in record.Attempts)
        {
            foreach (var array in attempt.Arrays)
            {
                var counts = new long[6];
                var outcomes = array.Settled ? array.Outcomes.ToDictionary(o => o.Task) : null;
                for (var index = 1; index <= array.Count; index++)
                {
                    var task = attempt.TaskAtLine(array.Offset + index);
                    SwarmTaskState state;
                    int? exit = null;
                    string? reason = null;
                    if (array.JobId is null)
                    {
                        state = SwarmTaskState.NotSubmitted;
                    }
                    else if (outcomes is not null)
                    {
                        if (outcomes.TryGetValue(task, out var outcome))
                        {
                            (state, exit, reason) = (outcome.State, outcome.ExitCode, outcome.Reason);
                        }
                        else
                        {
                            (state, exit) = (SwarmTaskState.Succeeded, 0);
                        }
                    }
                    else if (live.TryGetValue(array, out var states))
                    {
                        state = states[index - 1];
                        (exit, reason) = details[array].GetValueOrDefault(index);
                    }
                    else
                    {
                        state = SwarmTaskState.Pending;
                    }

                    counts[(int)state]++;
                    latest[task] = state;
                    var isWanted = where is not null && wanted!.Contains(task);
                    var isFailure = state is SwarmTaskState.Failed or SwarmTaskState.Cancelled;
                    if (isWanted || isFailure)
                    {
                        var status = new SwarmTaskStatus(record.Key, record.Site, task, attempt.Number, array.Wave, array.JobId, index, state, exit, reason,
                            JobLayout.StandardErrorLog(record.JobRoot, task));
                        if (isWanted)
                        {
                            where![task] = status;
                        }

                        if (isFailure)
                        {
                            failures[task] = status;
                        }
                    }

                    if (!isFailure && failures.Count > 0)
                    {
                        failures.Remove(task);
                    }
                }

                arrays.Add(new SwarmArrayStatus(record.Key, record.Site, attempt.Number, array.Wave, array.Index, array.JobId, array.Count,
                    counts[(int)SwarmTaskState.Pending] + counts[(int)SwarmTaskState.NotSubmitted], counts[(int)SwarmTaskState.Running],
                    counts[(int)SwarmTaskState.Succeeded], counts[(int)SwarmTaskState.Failed], counts[(int)SwarmTaskState.Cancelled], array.Settled));
            }
        }

        var totals = new long[6];
        foreach (var state in latest)
        {
            totals[(int)state]++;
        }

        var waves = arrays.GroupBy(a => (a.Attempt, a.Wave)).Select(g => new WaveProgress(
            g.Key.Attempt, g.Key.Wave, g.Sum(a => (long)a.Count), g.Sum(a => a.Pending), g.Sum(a => a.Running),
            g.Sum(a => a.Succeeded), g.Sum(a => a.Failed), g.Sum(a => a.Cancelled),
            g.Where(a => a.SchedulerJobId is null).Sum(a => (long)a.Count))).ToList();

        var jobState = totals[(int)SwarmTaskState.NotSubmitted] > 0 ? "Incomplete"
            : totals[(int)SwarmTaskState.Running] > 0 ? "Running"
            : totals[(int)SwarmTaskState.Pending] > 0 ? "Queued"
            : totals[(int)SwarmTaskState.Failed] + totals[(int)SwarmTaskState.Cancelled] > 0 ? (WasStopped(record) ? "Cancelled" : "Failed")
            : "Succeeded";

        return new SwarmJob
        {
            Id = record.Key,
            Site = record.Site,
            Scheduler = record.Scheduler,
            State = jobState,
            TaskCount = record.TaskCount,
            Pending = totals[(int)SwarmTaskState.Pending],
            Running = totals[(int)SwarmTaskState.Running],
            Succeeded = totals[(int)SwarmTaskState.Succeeded],
            Failed = totals[(int)SwarmTaskState.Failed],
            Cancelled = totals[(int)SwarmTaskState.Cancelled],
            NotSubmitted = totals[(int)SwarmTaskState.NotSubmitted],
            Attempts = record.Attempts.Count,
            Command = Sites.PosixQuoting.Join(record.RunCommand ?? record.Command),
            JobRoot = record.JobRoot,
            SchedulerJobIds = record.Arrays.Where(a => a.JobId is not null).Select(a => a.JobId!).ToList(),
            Waves = waves,
            Arrays = arrays,
            Tasks = where is not null ? where.Values.OrderBy(t => t.Task).ToList() : failures.Values.OrderBy(t => t.Task).ToList(),
        };
    }
}
