namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Running totals of the store's group commits since it opened: how many writes, in how many commits,
/// how many of those fsynced, the time spent committing (<see cref="System.Diagnostics.Stopwatch"/>
/// ticks) and how many commits took longer than <see cref="SlowCommit"/> (what a send's tail latency
/// is made of), and the summed time writes waited in the queue before their group's commit started
/// (<paramref name="QueueTicks"/>; divided by writes: how long a request waits for the single writer).
/// Two snapshots subtracted say how well concurrent writes share commits.
/// </summary>
public sealed record StoreWriteStatistics(long Writes, long Commits, long DurableCommits, long CommitTicks, long SlowCommits, long QueueTicks)
{
    public static readonly TimeSpan SlowCommit = TimeSpan.FromMilliseconds(5);
}
