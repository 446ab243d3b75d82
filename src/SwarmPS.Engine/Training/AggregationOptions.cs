namespace SwarmPS.Engine.Training;

/// <summary>Knobs that change how an aggregation runs, never what it computes.</summary>
public sealed record AggregationOptions
{
    /// <summary>Threads for the chunked loops; -1 (the default) lets the thread pool use every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Whether the receipt carries the sha256 of every output tensor. On by default; hashing runs at
    /// about the speed of the merge itself, so a benchmark of the merge alone turns it off.
    /// </summary>
    public bool DigestOutputs { get; init; } = true;
}
