using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>Cancels every array of the given jobs that has not ended, with one scheduler command per site.</summary>
public sealed class JobCanceller
{
    private readonly ISiteShell _shell;

    public JobCanceller(ISiteShell shell)
    {
        _shell = shell;
    }

    /// <summary>Returns the scheduler job ids it asked to cancel (none when everything had already ended).</summary>
    public async Task<IReadOnlyList<string>> CancelAsync(SiteProfile site, IReadOnlyList<JobRecord> records, CancellationToken cancellationToken = default)
    {
        var tracked = records
            .SelectMany(r => r.Attempts.SelectMany(a => a.Arrays.Where(x => x.JobId is not null && !x.Settled)
                .Select(x => new TrackedArray(x.JobId!, new JobLayout(r.JobRoot, a.Number), x.Index, x.Count))))
            .ToList();
        if (tracked.Count == 0)
        {
            return Array.Empty<string>();
        }

        var adapter = SchedulerAdapters.For(site.Scheduler);
        var result = await _shell.RunAsync(adapter.BuildCancel(tracked), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && !AlreadyEnded(result))
        {
            throw new SwarmException(
                "StopFailed",
                $"The scheduler on '{site.Name}' refused to cancel {string.Join(", ", tracked.Select(t => t.JobId).Distinct())}: {result.StandardError.Trim()}",
                "Check that the jobs belong to you (the scheduler names them); cancel by hand with scancel/qdel if needed, then Get-SwarmJob to refresh.",
                SwarmErrorCategory.InvalidOperation,
                site.Name);
        }

        return tracked.Select(t => t.JobId).Distinct().ToList();
    }

    /// <summary>Jobs that finished between the last poll and the cancel are not an error.</summary>
    private static bool AlreadyEnded(ShellResult result)
    {
        var text = result.StandardError + result.StandardOutput;
        return text.Contains("does not exist", StringComparison.OrdinalIgnoreCase)
            || text.Contains("already completed", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Job has finished", StringComparison.OrdinalIgnoreCase)
            || text.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase);
    }
}
