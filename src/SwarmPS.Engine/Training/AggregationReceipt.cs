namespace SwarmPS.Engine.Training;

/// <summary>
/// What an aggregation did, in enough detail to check it later: the method and its parameter, every
/// input with its weight (and digest when the caller gave one), every output tensor with its size and
/// the sha256 of its float32 data, and for <see cref="AggregationMethod.Exact"/> how far the rank-r
/// factors are from the true mean of the updates. The evidence bundle and the publication gate read it;
/// it holds no paths and no secrets.
/// </summary>
public sealed record AggregationReceipt(
    AggregationMethod Method,
    IReadOnlyList<AggregationReceiptInput> Inputs,
    IReadOnlyList<AggregationReceiptOutput> Outputs,
    double? TrimFraction,
    int? TrimmedPerSide,
    IReadOnlyList<LowRankApproximation> Approximations)
{
    /// <summary>
    /// Exact only: ‖mean ΔW − scale·B'·A'‖_F over all LoRA pairs together (the square root of the sum of
    /// the squared per-pair errors); null for the other methods.
    /// </summary>
    public double? AbsoluteError => Approximations.Count == 0 ? null : Math.Sqrt(Approximations.Sum(a => a.AbsoluteError * a.AbsoluteError));

    /// <summary>Exact only: <see cref="AbsoluteError"/> over ‖mean ΔW‖_F of all pairs together (0 when the mean is 0).</summary>
    public double? RelativeError
    {
        get
        {
            if (Approximations.Count == 0)
            {
                return null;
            }

            var norm = Math.Sqrt(Approximations.Sum(a => a.MeanNorm * a.MeanNorm));
            return norm == 0 ? 0 : AbsoluteError / norm;
        }
    }
}

/// <summary>One contribution as the receipt names it. <see cref="Weight"/> is what was given, used or not.</summary>
public sealed record AggregationReceiptInput(string Id, string? Digest, double Weight, bool WeightUsed);

/// <summary>
/// One merged tensor: name, shape, bytes as float32, and the sha256 (lowercase hex) of those bytes in
/// little-endian order, or null when the caller turned digests off (<see cref="AggregationOptions.DigestOutputs"/>).
/// </summary>
public sealed record AggregationReceiptOutput(string Name, IReadOnlyList<int> Shape, long Bytes, string? Sha256);

/// <summary>
/// One LoRA pair merged by <see cref="AggregationMethod.Exact"/>: its tensors, rank, the scale
/// alpha/rank, ‖mean ΔW‖_F, and the Frobenius error of the returned float32 factors against the
/// mean of the updates, absolute and relative to ‖mean ΔW‖_F.
/// </summary>
public sealed record LowRankApproximation(
    string LoraA, string LoraB, int Rank, double Scale, double MeanNorm, double AbsoluteError, double RelativeError);
