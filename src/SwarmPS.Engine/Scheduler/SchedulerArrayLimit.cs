using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>The scheduler's own array size limit (SLURM MaxArraySize, SGE max_aj_tasks), for planning.</summary>
public static class SchedulerArrayLimit
{
    /// <summary>Asks the site's scheduler with one read-only command; null if it has none to ask or cannot say.</summary>
    public static async Task<int?> AskAsync(SiteProfile site, ISiteShell shell, CancellationToken cancellationToken = default)
    {
        var adapter = SchedulerAdapters.For(site.Scheduler);
        if (adapter.BuildArrayLimitQuery() is not { } query)
        {
            return null;
        }

        var result = await shell.RunAsync(query, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? adapter.ParseArrayLimit(result.StandardOutput) : null;
    }

    /// <summary>Whether a plan needs the scheduler's word: only when neither the operator nor the site profile gives a limit.</summary>
    public static bool IsNeeded(SiteProfile site, JobPlanOptions options) =>
        options.MaxArraySize is null && site.Limits.MaxArraySize is null;
}
