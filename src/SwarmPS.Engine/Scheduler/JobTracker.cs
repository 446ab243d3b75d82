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
        var exitCodes = new Dictionary<ArrayRecord, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)>>();
        if (tracked.Count > 0)
        {
            var directories = tracked.Select(t => t.Layout.StatusDirectory).Distinct(StringComparer.Ordinal).ToList();
            var result = await _probe.RunAsync(_shell, site.Name, adapter.BuildStatusSteps(tracked), directories, cancellationToken).ConfigureAwait(false);
            var snapshot = new SchedulerSnapshot();
            adapter.ParseStatus(result.Steps, tracked, snapshot);
            var observations = new List<ArrayObservation>(open.Count);
            for (var i = 0; i < open.Count; i++)
            {
                var (record, attempt, array) = open[i];
                var files = result.Files[directories.IndexOf(tracked[i].Layout.StatusDirectory)];
                var (states, details) = Resolve(attempt, array, snapshot, files, adapter.NamesFailureCauses);
                live[array] = states;
                exitCodes[array] = details;
                observations.Add(new ArrayObservation(record, attempt, array, states));
            }

            // Ctrl+C while the ledger writes (seconds, for a big sweep) or before: nothing of this poll is
            // saved then, and the next poll sees the same and records it again (idempotently).
            _sink?.TasksObserved(observations, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var (record, attempt, array, _) in observations)
            {
                var (states, details) = (live[array], exitCodes[array]);
                if (states.All(IsFinal) && !HasPendingCause(states, details))
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

    /// <summary>A failed element whose cause the scheduler has yet to give: its array is not settled before it has.</summary>
    private static bool HasPendingCause(SwarmTaskState[] states, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)> details) =>
        Enumerable.Range(1, states.Length).Any(index => states[index - 1] == SwarmTaskState.Failed && details[index].Failure is null);

    private static bool IsFinal(SwarmTaskState state) => state is SwarmTaskState.Succeeded or SwarmTaskState.Failed or SwarmTaskState.Cancelled;

    /// <summary>Per element: the exit file wins; else the scheduler's word, refined by the start mark.</summary>
    private static (SwarmTaskState[] States, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)> Details) Resolve(
        AttemptRecord attempt, ArrayRecord array, SchedulerSnapshot snapshot, TaskFileStatus files, bool schedulerNamesCauses)
    {
        var states = new SwarmTaskState[array.Count];
        var details = new Dictionary<int, (int?, string?, FailureClass?)>();
        var jobKnown = snapshot.KnownJobs.Contains(array.JobId!);
        for (var index = 1; index <= array.Count; index++)
        {
            var task = attempt.TaskAtLine(array.Offset + index);
            var known = snapshot.TryGet(array.JobId!, index, out var element);
            if (files.ExitCodes.TryGetValue(task, out var exit))
            {
                if (exit != 0 && schedulerNamesCauses && jobKnown && (!known || !SchedulerSnapshot.IsFinal(element.State)))
                {
                    // Failed while the scheduler still holds the job (an ending element, or Grid Engine's array
                    // still in qstat, whose ended tasks qacct is asked about once it leaves). It counts as failed
                    // now; its cause (out of memory, say, which the exit code alone cannot tell) is pending, and
                    // the array is not settled until it is known. Bounded: once the scheduler reports the job no
                    // more, the exit file decides.
                    states[index - 1] = SwarmTaskState.Failed;
                    details[index] = (exit, $"exit code {exit}; its cause comes when the scheduler lets go of job {array.JobId}", null);
                    continue;
                }

                states[index - 1] = exit == 0 ? SwarmTaskState.Succeeded : SwarmTaskState.Failed;
                // The scheduler's cause wins (it killed the command, which then wrote a signal's exit code).
                var cause = exit == 0 ? (FailureClass?)null : known && element.Failure is { } said && said != FailureClass.Cancelled ? said : FailureClass.NonZeroExit;
                details[index] = (exit, exit == 0 ? null : cause == FailureClass.NonZeroExit ? $"exit code {exit}" : $"exit code {exit} ({element.Detail})", cause);
                continue;
            }

            var started = files.Started.Contains(task);
            if (known)
            {
                (states[index - 1], var reason) = element.State switch
                {
                    SchedulerElementState.Pending => (started ? SwarmTaskState.Running : SwarmTaskState.Pending, (string?)null),
                    SchedulerElementState.Running => (SwarmTaskState.Running, null),
                    SchedulerElementState.Cancelled => (SwarmTaskState.Cancelled, $"cancelled ({element.Detail})"),
                    // Ended without writing its exit status: killed (walltime, node failure, memory) before the script could.
                    _ => (SwarmTaskState.Failed, $"ended without an exit status ({element.Detail})"),
                };
                var failure = states[index - 1] switch
                {
                    SwarmTaskState.Failed => element.Failure ?? FailureClass.Unknown,
                    SwarmTaskState.Cancelled => FailureClass.Cancelled,
                    _ => (FailureClass?)null,
                };
                details[index] = (element.ExitCode, reason, failure);
            }
            else if (started && schedulerNamesCauses && jobKnown)
            {
                // Ended without an exit file (killed) while its array is still listed: failed, its cause pending
                // until the scheduler reports the element again or in accounting (Grid Engine's qacct, once the array ends).
                states[index - 1] = SwarmTaskState.Failed;
                details[index] = (null, $"killed before it could write its exit status; its cause comes when the scheduler lets go of job {array.JobId}", null);
            }
            else if (started)
            {
                states[index - 1] = SwarmTaskState.Failed;
                details[index] = (null, jobKnown ? "started but the scheduler no longer reports it" : "started, then the scheduler forgot the job", FailureClass.Unknown);
            }
            else
            {
                states[index - 1] = SwarmTaskState.Cancelled;
                details[index] = (null, "never ran and the scheduler no longer reports it (cancelled)", FailureClass.Cancelled);
            }
        }

        return (states, details);
    }

    private static void Settle(JobRecord record, AttemptRecord attempt, ArrayRecord array, SwarmTaskState[] states, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)> details)
    {
        array.Settled = true;
        array.Outcomes = new List<TaskOutcome>();
        for (var index = 1; index <= states.Length; index++)
        {
            if (states[index - 1] == SwarmTaskState.Succeeded)
            {
                continue;
            }

            var (exit, reason, failure) = details.GetValueOrDefault(index);
            array.Outcomes.Add(new TaskOutcome(attempt.TaskAtLine(array.Offset + index), states[index - 1], exit, reason, failure));
        }
    }

    /// <summary>A stopped sweep reads Cancelled: the operator ended it (its Failed count still says what failed before).</summary>
    private static bool WasStopped(JobRecord record) => record.Attempts.Count > 0 && record.Attempts[^1].Stopped is not null;

    private static SwarmJob Summarise(
        JobRecord record,
        Dictionary<ArrayRecord, SwarmTaskState[]> live,
        Dictionary<ArrayRecord, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)>> details,
        IReadOnlyCollection<long>? wanted)
    {
        var summary = new JobSummary(record, wanted);
        foreach (var attempt in record.Attempts)
        {
            foreach (var array in attempt.Arrays)
            {
                summary.AddArray(attempt, array, Elements(attempt, array, live, details));
            }
        }

        return summary.ToJob(WasStopped(record));
    }

    /// <summary>
    /// Each element of one array, in index order: never submitted; settled (its recorded outcome, else it
    /// succeeded); asked about in this query (its live state); or not asked about yet (pending).
    /// </summary>
    private static IEnumerable<(SwarmTaskState State, int? Exit, string? Reason, FailureClass? Failure)> Elements(
        AttemptRecord attempt,
        ArrayRecord array,
        Dictionary<ArrayRecord, SwarmTaskState[]> live,
        Dictionary<ArrayRecord, Dictionary<int, (int? Exit, string? Reason, FailureClass? Failure)>> details)
    {
        var outcomes = array.JobId is not null && array.Settled ? array.Outcomes.ToDictionary(o => o.Task) : null;
        var states = array.JobId is not null && outcomes is null ? live.GetValueOrDefault(array) : null;
        for (var index = 1; index <= array.Count; index++)
        {
            if (array.JobId is null)
            {
                yield return (SwarmTaskState.NotSubmitted, null, null, null);
            }
            else if (outcomes is not null)
            {
                yield return outcomes.TryGetValue(attempt.TaskAtLine(array.Offset + index), out var outcome)
                    // Records settled before classes were kept say nothing of the cause: Unknown, never pending.
                    ? (outcome.State, outcome.ExitCode, outcome.Reason, outcome.Failure ?? (outcome.State == SwarmTaskState.Cancelled ? FailureClass.Cancelled : FailureClass.Unknown))
                    : (SwarmTaskState.Succeeded, 0, null, null);
            }
            else if (states is not null)
            {
                var (exit, reason, failure) = details[array].GetValueOrDefault(index);
                yield return (states[index - 1], exit, reason, failure);
            }
            else
            {
                yield return (SwarmTaskState.Pending, null, null, null);
            }
        }
    }
}
