using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>What Watch-SwarmJob does about each class of failure (RetryPolicy.Decide).</summary>
public sealed class RetryPolicyTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly (FailureClass, TimeSpan?, long?)[] None = [];

    [Fact]
    public void Walltime_doubles_and_keeps_the_memory()
    {
        var (action, walltime, memory, message) = RetryPolicy.Decide(FailureClass.Walltime, Minute, 1L << 30, null, 1, 3, None);
        Assert.Equal(WatchAction.Resubmitted, action);
        Assert.Equal(TimeSpan.FromMinutes(2), walltime);
        Assert.Equal(1L << 30, memory);
        Assert.Contains("00:02:00", message);
    }

    [Fact]
    public void Walltime_stops_at_the_site_maximum_and_gives_up_there()
    {
        var capped = RetryPolicy.Decide(FailureClass.Walltime, TimeSpan.FromMinutes(90), null, TimeSpan.FromHours(2), 1, 3, None);
        Assert.Equal((WatchAction.Resubmitted, TimeSpan.FromHours(2)), (capped.Action, capped.Walltime));
        Assert.Contains("max_walltime", capped.Message);

        var atCap = RetryPolicy.Decide(FailureClass.Walltime, TimeSpan.FromHours(2), null, TimeSpan.FromHours(2), 2, 3, None);
        Assert.Equal(WatchAction.GaveUp, atCap.Action);
        Assert.Contains("already the site's max_walltime", atCap.Message);
    }

    [Fact]
    public void Walltime_unknown_is_not_guessed()
    {
        var decision = RetryPolicy.Decide(FailureClass.Walltime, null, null, null, 1, 3, None);
        Assert.Equal(WatchAction.GaveUp, decision.Action);
        Assert.Contains("-Walltime", decision.Message);
    }

    [Fact]
    public void Memory_grows_by_half_in_whole_MiB_and_keeps_the_walltime()
    {
        var (action, walltime, memory, _) = RetryPolicy.Decide(FailureClass.OutOfMemory, Minute, 100L * 1024 * 1024 + 1, null, 1, 3, None);
        Assert.Equal(WatchAction.Resubmitted, action);
        Assert.Equal(Minute, walltime);
        Assert.Equal(151L * 1024 * 1024, memory);
    }

    [Fact]
    public void Memory_unknown_is_not_guessed()
    {
        var decision = RetryPolicy.Decide(FailureClass.OutOfMemory, Minute, null, null, 1, 3, None);
        Assert.Equal(WatchAction.GaveUp, decision.Action);
        Assert.Contains("-Memory", decision.Message);
    }

    [Theory]
    [InlineData(FailureClass.NodeFailure)]
    [InlineData(FailureClass.Preempted)]
    public void Not_the_tasks_fault_goes_again_unchanged_once(FailureClass failure)
    {
        var first = RetryPolicy.Decide(failure, Minute, null, null, 1, 3, None);
        Assert.Equal((WatchAction.Resubmitted, Minute, (long?)null), (first.Action, first.Walltime, first.Memory));

        var again = RetryPolicy.Decide(failure, Minute, null, null, 2, 3, [(failure, Minute, null)]);
        Assert.Equal(WatchAction.GaveUp, again.Action);
        Assert.Contains("same way", again.Message);
    }

    [Theory]
    [InlineData(FailureClass.NonZeroExit)]
    [InlineData(FailureClass.Cancelled)]
    [InlineData(FailureClass.Unknown)]
    public void The_tasks_own_failures_are_not_resubmitted(FailureClass failure)
    {
        var decision = RetryPolicy.Decide(failure, Minute, null, null, 1, 3, None);
        Assert.Equal(WatchAction.NotResubmitted, decision.Action);
        Assert.Null(decision.Walltime);
    }

    [Fact]
    public void Max_attempts_is_respected()
    {
        var decision = RetryPolicy.Decide(FailureClass.Walltime, Minute, null, null, 3, 3, None);
        Assert.Equal(WatchAction.GaveUp, decision.Action);
        Assert.Contains("-MaxAttempts", decision.Message);
    }
}
