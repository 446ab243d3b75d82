using System.Diagnostics;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Polls until every task of the given jobs has ended, the timeout passes, or the caller cancels.
/// Each poll is one <see cref="JobTracker"/> query (one round trip for the site). When a poll itself is
/// slow (a busy scheduler), the interval doubles, up to five minutes, to spare it.
/// </summary>
public sealed class JobWaiter
{
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(5);

    private readonly JobTracker _tracker;

    public JobWaiter(JobTracker tracker)
    {
        _tracker = tracker;
    }

    public async Task<IReadOnlyList<SwarmJob>> WaitAsync(
        SiteProfile site,
        IReadOnlyList<JobRecord> records,
        TimeSpan interval,
        TimeSpan? timeout,
        IProgress<IReadOnlyList<SwarmJob>>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var delay = interval;
        while (true)
        {
            var poll = Stopwatch.StartNew();
            var jobs = await _tracker.QueryAsync(site, records, null, cancellationToken).ConfigureAwait(false);
            progress?.Report(jobs);
            if (jobs.All(j => j.IsFinished))
            {
                return jobs;
            }

            if (timeout is { } limit && clock.Elapsed + delay > limit)
            {
                var open = jobs.Where(j => !j.IsFinished).ToList();
                throw new SwarmException(
                    "WaitTimeout",
                    $"After {clock.Elapsed:hh\\:mm\\:ss}, {open.Count} job(s) on '{site.Name}' still have {open.Sum(j => j.Pending)} pending and {open.Sum(j => j.Running)} running tasks ({string.Join(", ", open.Select(j => j.Id))}).",
                    "The jobs keep running; wait again with a longer -Timeout, or look with Get-SwarmJob.",
                    SwarmErrorCategory.OperationTimeout,
                    site.Name);
            }

            delay = poll.Elapsed > delay / 4 ? TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxInterval.Ticks)) : delay;
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
