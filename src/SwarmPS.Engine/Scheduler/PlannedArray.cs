namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One array job of a plan: lines Offset+1 .. Offset+Count of the attempt's task file, submitted as
/// array indices 1..Count. A range, never a list of task objects.
/// </summary>
public sealed record PlannedArray(int Wave, int Index, long Offset, int Count)
{
    /// <summary>Array indices as the schedulers write them: "1-Count".</summary>
    public string IndexRange => $"1-{Count}";
}
