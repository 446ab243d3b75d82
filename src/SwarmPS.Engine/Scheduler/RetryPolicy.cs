namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Decides what to do about one failed task, from why it failed and what its attempt asked for:
/// walltime → twice the walltime, up to the site's max_walltime; out of memory → half as much memory
/// again; node failure or preemption → the same again (not the task's fault); a non-zero exit or a
/// cancellation → nothing (the task's own bug, the operator's word). Never the same failure twice
/// without a change: a task that failed the same way with the same resources before is given up.
/// </summary>
public static class RetryPolicy
{
    /// <summary>Memory is raised in whole MiB, the smallest unit every scheduler here accepts.</summary>
    private const long MiB = 1024 * 1024;

    /// <param name="failure">Why the task's latest attempt failed.</param>
    /// <param name="walltime">What that attempt asked for per task (null: nothing, the site's default).</param>
    /// <param name="memory">Bytes that attempt asked for per task (null: nothing).</param>
    /// <param name="maxWalltime">The site's max_walltime, if its profile names one.</param>
    /// <param name="attempts">How many attempts have run the task so far, the failed one included.</param>
    /// <param name="maxAttempts">The most attempts a task may have (-MaxAttempts).</param>
    /// <param name="earlier">The task's earlier failures (class, walltime, memory), oldest first, the latest excluded.</param>
    public static (WatchAction Action, TimeSpan? Walltime, long? Memory, string Message) Decide(
        FailureClass failure,
        TimeSpan? walltime,
        long? memory,
        TimeSpan? maxWalltime,
        int attempts,
        int maxAttempts,
        IReadOnlyList<(FailureClass Failure, TimeSpan? Walltime, long? Memory)> earlier)
    {
        switch (failure)
        {
            case FailureClass.NonZeroExit:
                return (WatchAction.NotResubmitted, null, null, "its command failed on its own (a non-zero exit); not resubmitted: fix the task, then Submit-SwarmJob -Resume");
            case FailureClass.Cancelled:
                return (WatchAction.NotResubmitted, null, null, "it was cancelled; not resubmitted (Submit-SwarmJob -Resume runs it again)");
            case FailureClass.Unknown:
                return (WatchAction.NotResubmitted, null, null, "the scheduler did not say why it ended; not resubmitted: look at its stderr.log and the scheduler's logs");
        }

        if (attempts >= maxAttempts)
        {
            return (WatchAction.GaveUp, null, null, $"it has had {attempts} attempt(s), the most -MaxAttempts allows; given up");
        }

        if (earlier.Any(e => e.Failure == failure && e.Walltime == walltime && e.Memory == memory))
        {
            return (WatchAction.GaveUp, null, null, $"it failed the same way ({failure}) with the same resources before; given up rather than try it unchanged again");
        }

        var (raised, newWalltime, newMemory, message) = failure switch
        {
            FailureClass.Walltime => RaiseWalltime(walltime, memory, maxWalltime),
            FailureClass.OutOfMemory => RaiseMemory(walltime, memory),
            _ => (true, walltime, memory, "resubmitted unchanged (not the task's fault)"),
        };
        return (raised ? WatchAction.Resubmitted : WatchAction.GaveUp, raised ? newWalltime : null, raised ? newMemory : null, message);
    }

    private static (bool, TimeSpan?, long?, string) RaiseWalltime(TimeSpan? walltime, long? memory, TimeSpan? maxWalltime)
    {
        if (walltime is not { } asked)
        {
            return (false, null, null, "it ran past the site's default walltime, which SwarmPS does not know; given up: set -Walltime on New-SwarmJobPlan and resubmit");
        }

        if (maxWalltime is { } most && asked >= most)
        {
            return (false, null, null, $"it ran past {SchedulerTime.Format(asked)}, already the site's max_walltime; given up: split the task or ask for a longer queue");
        }

        var doubled = asked * 2;
        var capped = maxWalltime is { } limit && doubled > limit ? limit : doubled;
        return (true, capped, memory, $"ran past its walltime {SchedulerTime.Format(asked)}; resubmitted with {SchedulerTime.Format(capped)}{(capped < doubled ? " (the site's max_walltime)" : "")}");
    }

    private static (bool, TimeSpan?, long?, string) RaiseMemory(TimeSpan? walltime, long? memory)
    {
        if (memory is not { } asked)
        {
            return (false, null, null, "it ran out of memory, and its attempt asked for none SwarmPS knows of (the site's default); given up: set -Memory on New-SwarmJobPlan and resubmit");
        }

        var raised = (long)Math.Ceiling(asked * 1.5 / MiB) * MiB;
        return (true, walltime, raised, $"ran out of its memory {MemorySize.Format(asked)}; resubmitted with {MemorySize.Format(raised)}");
    }
}
