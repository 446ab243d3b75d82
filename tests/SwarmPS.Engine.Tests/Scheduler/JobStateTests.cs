using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

public sealed class JobStateTests
{
    [Theory]
    // Never submitted wins over everything; then running, then waiting; once all ended, any failure or cancellation.
    [InlineData("NotSubmitted Running Failed", false, SwarmJobState.Incomplete)]
    [InlineData("Pending Running Failed", false, SwarmJobState.Running)]
    [InlineData("Pending Succeeded Failed", false, SwarmJobState.Queued)]
    [InlineData("Succeeded Cancelled", false, SwarmJobState.Failed)]
    [InlineData("Succeeded Failed", true, SwarmJobState.Cancelled)]
    [InlineData("Succeeded Succeeded", true, SwarmJobState.Succeeded)]
    [InlineData("Pending", true, SwarmJobState.Queued)]
    public void A_job_state_follows_from_its_task_counts(string tasks, bool stopped, SwarmJobState expected)
    {
        var tally = new TaskStateTally();
        foreach (var state in tasks.Split(' ').Select(Enum.Parse<SwarmTaskState>))
        {
            tally.Add(state);
        }

        Assert.Equal(expected, tally.JobState(stopped));
    }

    [Fact]
    public void Counts_are_kept_per_state()
    {
        var tally = new TaskStateTally();
        foreach (var state in Enum.GetValues<SwarmTaskState>().SelectMany((state, i) => Enumerable.Repeat(state, i + 1)))
        {
            tally.Add(state);
        }

        Assert.Equal((1L, 2L, 3L, 4L, 5L, 6L), (tally.NotSubmitted, tally.Pending, tally.Running, tally.Succeeded, tally.Failed, tally.Cancelled));
    }

    [Fact]
    public void Job_states_are_declared_in_alphabetical_order_so_sorting_by_state_sorts_by_its_word()
    {
        var names = Enum.GetValues<SwarmJobState>().Select(s => s.ToString()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }
}
