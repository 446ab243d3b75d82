using System.Diagnostics;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Watch-SwarmJob's loop: polls like <see cref="JobWaiter"/> (one <see cref="JobTracker"/> query, so one
/// round trip, per site per poll), and for each task newly seen failed decides by <see cref="RetryPolicy"/>
/// from the class its scheduler gave (<see cref="FailureClassifier"/>) and the resources its attempt asked
/// for. Tasks to resubmit go out at once, grouped by the resources they get, each group as one new attempt
/// (<see cref="JobSubmitter.RetryAsync"/>), while the job's other tasks run on. Every decision is reported.
/// Ends when every task has ended and nothing was resubmitted in the last poll.
/// </summary>
public sealed class JobWatcher
{
    private readonly JobTracker _tracker;
    private readonly JobSubmitter _submitter;

    public JobWatcher(JobTracker tracker, JobSubmitter submitter)
    {
        _tracker = tracker;
        _submitter = submitter;
    }

    /// <param name="jobs">Each job's plan (what a resubmission needs: tasks, command, options) with its record.</param>
    public async Task<IReadOnlyList<SwarmJob>> WatchAsync(
        SiteProfile site,
        IReadOnlyList<(JobPlan Plan, JobRecord Record)> jobs,
        int maxAttempts,
        TimeSpan interval,
        TimeSpan? timeout,
        IProgress<WatchDecision>? decisions = null,
        IProgress<IReadOnlyList<SwarmJob>>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var records = jobs.Select(j => j.Record).ToList();
        var decided = new HashSet<(string Key, long Task, int Attempt)>();
        var clock = Stopwatch.StartNew();
        var delay = interval;
        while (true)
        {
            var poll = Stopwatch.StartNew();
            var statuses = await _tracker.QueryAsync(site, records, null, cancellationToken).ConfigureAwait(false);
            progress?.Report(statuses);
            var resubmitted = 0;
            for (var i = 0; i < jobs.Count; i++)
            {
                resubmitted += await DecideAsync(site, jobs[i].Plan, jobs[i].Record, statuses[i], maxAttempts, decided, decisions, cancellationToken).ConfigureAwait(false);
            }

            // Done when every task has ended, nothing went out again, and no failure still waits for its cause.
            if (resubmitted == 0 && statuses.All(j => j.IsFinished) && !statuses.Any(HasPendingCause))
            {
                return statuses;
            }

            if (timeout is { } limit && clock.Elapsed + delay > limit)
            {
                var open = statuses.Where(j => !j.IsFinished).ToList();
                throw new SwarmException(
                    "WatchTimeout",
                    $"After {clock.Elapsed:hh\\:mm\\:ss}, {open.Count} job(s) on '{site.Name}' still have {open.Sum(j => j.Pending)} pending and {open.Sum(j => j.Running)} running tasks ({string.Join(", ", open.Select(j => j.Id))}).",
                    "The jobs keep running, resubmitted tasks included; watch again with a longer -Timeout (it picks up failures not yet decided), or look with Get-SwarmJob.",
                    SwarmErrorCategory.OperationTimeout,
                    site.Name);
            }

            delay = poll.Elapsed > delay / 4 ? TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, JobWaiter.MaxInterval.Ticks)) : delay;
            await Task.Delay(resubmitted > 0 ? interval : delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Decides each task newly failed in its latest attempt; resubmits; returns how many tasks went out again.</summary>
    private async Task<int> DecideAsync(
        SiteProfile site,
        JobPlan plan,
        JobRecord record,
        SwarmJob status,
        int maxAttempts,
        HashSet<(string, long, int)> decided,
        IProgress<WatchDecision>? decisions,
        CancellationToken cancellationToken)
    {
        var groups = new Dictionary<(TimeSpan? Walltime, long? Memory), List<(long Task, WatchDecision Decision)>>();
        foreach (var task in status.Tasks.Where(t => t.State is SwarmTaskState.Failed or SwarmTaskState.Cancelled))
        {
            // A failure whose cause the scheduler has not given yet is decided on a later poll, once it has.
            if (IsCausePending(task) || !decided.Add((record.Key, task.Task, task.Attempt)))
            {
                continue;
            }

            var failure = task.Failure ?? (task.State == SwarmTaskState.Cancelled ? FailureClass.Cancelled : FailureClass.Unknown);
            var attempt = record.Attempts[task.Attempt - 1];
            var (walltime, memory) = Asked(plan, attempt);
            var (action, newWalltime, newMemory, message) = RetryPolicy.Decide(
                failure, walltime, memory, site.Limits.MaxWalltime, AttemptsOf(record, task.Task), maxAttempts, EarlierFailures(plan, record, task.Task, task.Attempt));
            var decision = new WatchDecision(record.Key, record.Site, task.Task, task.Attempt, failure, action, walltime, newWalltime, memory, newMemory, message)
            {
                StandardErrorLog = task.StandardErrorLog,
            };
            if (action == WatchAction.Resubmitted)
            {
                var key = (newWalltime, newMemory);
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = new List<(long, WatchDecision)>();
                }

                group.Add((task.Task, decision));
            }
            else
            {
                decisions?.Report(decision);
            }
        }

        var resubmitted = 0;
        foreach (var ((walltime, memory), group) in groups)
        {
            var result = await _submitter.RetryAsync(plan, record, group.Select(g => g.Task).ToList(), walltime, memory, null, cancellationToken).ConfigureAwait(false);
            foreach (var (_, decision) in group)
            {
                decisions?.Report(decision with { NewAttempt = result.Attempt });
            }

            resubmitted += group.Count;
        }

        return resubmitted;
    }

    private static bool IsCausePending(SwarmTaskStatus task) => task.State == SwarmTaskState.Failed && task.Failure is null;

    private static bool HasPendingCause(SwarmJob job) => job.Tasks.Any(IsCausePending);

    /// <summary>What an attempt asked for per task; records written before attempts kept it fall back to the plan's.</summary>
    private static (TimeSpan? Walltime, long? Memory) Asked(JobPlan plan, AttemptRecord attempt) =>
        (attempt.Walltime ?? plan.Walltime, attempt.Memory ?? plan.Memory);

    private static bool Ran(AttemptRecord attempt, long task) => attempt.Selection is null || attempt.Selection.BinarySearch(task) >= 0;

    private static int AttemptsOf(JobRecord record, long task) => record.Attempts.Count(a => Ran(a, task));

    /// <summary>The task's failures in attempts before <paramref name="latest"/>, from the settled arrays' outcomes.</summary>
    private static List<(FailureClass, TimeSpan?, long?)> EarlierFailures(JobPlan plan, JobRecord record, long task, int latest) =>
        record.Attempts.Where(a => a.Number < latest && Ran(a, task))
            .SelectMany(a => a.Arrays.SelectMany(x => x.Outcomes).Where(o => o.Task == task && o.Failure is not null)
                .Select(o => (o.Failure!.Value, Asked(plan, a).Walltime, Asked(plan, a).Memory)))
            .ToList();
}
