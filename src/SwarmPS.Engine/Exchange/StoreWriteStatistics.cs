namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Running totals of the store's group commits since it opened: how many writes, in how many commits,
/// how many of those fsynced, and the time spent committing (<see cref="System.Diagnostics.Stopwatch"/>
/// ticks). Two snapshots subtracted say how well concurrent writes share commits.
/// </summary>
public sealed record StoreWriteStatistics(long Writes, long Commits, long DurableCommits, long CommitTicks);
