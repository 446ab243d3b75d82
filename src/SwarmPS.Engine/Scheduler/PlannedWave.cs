namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Arrays queued together. Every array of wave k depends on every array of wave k-1 finishing in any
/// state (afterany), so a failing task never blocks the rest of the sweep.
/// </summary>
public sealed record PlannedWave(int Index, IReadOnlyList<PlannedArray> Arrays)
{
    public long TaskCount => Arrays.Sum(a => (long)a.Count);
}
