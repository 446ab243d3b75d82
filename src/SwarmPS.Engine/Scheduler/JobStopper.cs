using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Stop-SwarmJob's whole operation for the jobs of one site: cancel every array that has not ended
/// (<see cref="JobCanceller"/>), mark the attempts it cancelled as stopped (so their jobs read Cancelled,
/// not Failed), and poll once through the tracker and its ledger sink. That poll matters: it settles the
/// cancelled arrays, and a settled array is never asked about again, so it is the moment their tasks'
/// runs become <c>stopped</c> (terminal, promoted to the ledger) instead of staying queued or running.
/// </summary>
public sealed class JobStopper
{
    private readonly ISiteShell _shell;
    private readonly JobRecordStore _store;
    private readonly JobTracker _tracker;

    /// <summary>Give <paramref name="tracker"/> the run ledger's sink, or the cancelled runs are never closed.</summary>
    public JobStopper(ISiteShell shell, JobRecordStore store, JobTracker tracker)
    {
        _shell = shell;
        _store = store;
        _tracker = tracker;
    }

    public async Task<JobStopResult> StopAsync(SiteProfile site, IReadOnlyList<JobRecord> records, CancellationToken cancellationToken = default)
    {
        var open = records
            .SelectMany(r => r.Attempts.Where(a => a.Arrays.Any(x => x.JobId is not null && !x.Settled)).Select(a => (Record: r, Attempt: a)))
            .ToList();
        var cancelled = await new JobCanceller(_shell).CancelAsync(site, records, cancellationToken).ConfigureAwait(false);

        var now = DateTimeOffset.UtcNow;
        foreach (var (_, attempt) in open)
        {
            attempt.Stopped ??= now;
        }

        foreach (var record in open.Select(o => o.Record).Distinct())
        {
            _store.Save(record);
        }

        var jobs = await _tracker.QueryAsync(site, records, null, cancellationToken).ConfigureAwait(false);
        return new JobStopResult(cancelled, jobs);
    }
}

/// <summary>The scheduler job ids a stop cancelled (none when all had ended) and the jobs as the poll after it saw them.</summary>
public sealed record JobStopResult(IReadOnlyList<string> CancelledJobIds, IReadOnlyList<SwarmJob> Jobs);
