namespace SwarmPS.Engine.Training;

/// <summary>
/// What Merge-SwarmContribution did: the method, every input file with its sha256 and weight, the merged
/// file and the sha256 of its bytes, and the aggregation's own receipt (per-tensor outputs and, for Exact,
/// the approximation errors), whose figures are repeated here so a table or a script reads them directly.
/// </summary>
public sealed record AdapterMergeReceipt(
    AggregationMethod Method,
    IReadOnlyList<AdapterMergeInput> Inputs,
    string OutputPath,
    string OutputDigest,
    double? LoraAlpha,
    AggregationReceipt Aggregation)
{
    /// <summary>The training run whose accepted contributions were merged; null for a merge of files named by path.</summary>
    public string? RunId { get; init; }

    /// <summary>Every merged tensor: name, shape, bytes as float32, sha256 of its little-endian float32 data.</summary>
    public IReadOnlyList<AggregationReceiptOutput> Outputs => Aggregation.Outputs;

    /// <summary>TrimmedMean only: the fraction trimmed at each end, and the count that makes per side.</summary>
    public double? TrimFraction => Aggregation.TrimFraction;

    public int? TrimmedPerSide => Aggregation.TrimmedPerSide;

    /// <summary>Exact only: each LoRA pair's rank-r approximation error.</summary>
    public IReadOnlyList<LowRankApproximation> Approximations => Aggregation.Approximations;

    /// <summary>Exact only: ‖mean ΔW − scale·B'·A'‖_F over all pairs; null for the other methods.</summary>
    public double? AbsoluteError => Aggregation.AbsoluteError;

    /// <summary>Exact only: <see cref="AbsoluteError"/> relative to ‖mean ΔW‖_F; null for the other methods.</summary>
    public double? RelativeError => Aggregation.RelativeError;
}

/// <summary>One adapter file merged: its full path, the sha256 of the whole file (lowercase hex), its weight and whether the method used it.</summary>
public sealed record AdapterMergeInput(string Path, string Sha256, double Weight, bool WeightUsed);
