namespace SwarmPS.Engine.Training;

/// <summary>
/// Merges contributions into one adapter, in memory: the four methods of <see cref="AggregationMethod"/>,
/// each returning the merged tensors and a receipt. Every input is checked before any arithmetic
/// (names, shapes, weights; NaN and infinity as the method reaches them), and every refusal is a
/// <see cref="SwarmException"/> naming the contribution or tensor at fault. Reading and writing adapter
/// files is not done here, so any reader can feed it.
/// </summary>
public static class ContributionAggregator
{
    /// <summary>Each tensor is the mean of its counterparts weighted by example count.</summary>
    public static AggregationResult FedAvg(
        IReadOnlyList<AggregationContribution> contributions, AggregationOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AggregationOptions();
        var inputs = AlignedContributions.Check(contributions, weighted: true);
        var outputs = FedAvgMerge.Run(inputs, only: null, options, cancellationToken);
        return Finish(AggregationMethod.FedAvg, inputs, outputs, options, weightUsed: true);
    }

    /// <summary>
    /// LoRA pairs merged by the mean of their products, factored back to rank r (see
    /// <see cref="ExactLoraMerge"/> for the factor convention); other tensors by FedAvg.
    /// </summary>
    /// <param name="loraAlpha">The contract's lora_alpha: each update is scaled by alpha/rank.</param>
    public static AggregationResult Exact(
        IReadOnlyList<AggregationContribution> contributions,
        double loraAlpha,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new AggregationOptions();
        var inputs = AlignedContributions.Check(contributions, weighted: true);
        var (outputs, approximations) = ExactLoraMerge.Run(inputs, loraAlpha, options, cancellationToken);
        return Finish(AggregationMethod.Exact, inputs, outputs, options, weightUsed: true, approximations: approximations);
    }

    /// <summary>Coordinate-wise mean after dropping ⌊fraction·K⌋ values at each end; weights are not used.</summary>
    /// <param name="trimFraction">The share cut from each end, 0 ≤ fraction &lt; 0.5.</param>
    public static AggregationResult TrimmedMean(
        IReadOnlyList<AggregationContribution> contributions,
        double trimFraction,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new AggregationOptions();
        var inputs = AlignedContributions.Check(contributions, weighted: false);
        var perSide = OrderStatisticMerge.TrimmedPerSide(trimFraction, inputs.ContributionCount);
        var outputs = OrderStatisticMerge.TrimmedMean(inputs, perSide, options, cancellationToken);
        return Finish(AggregationMethod.TrimmedMean, inputs, outputs, options, weightUsed: false, trimFraction, perSide);
    }

    /// <summary>Coordinate-wise median (the mean of the middle two for an even count); weights are not used.</summary>
    public static AggregationResult Median(
        IReadOnlyList<AggregationContribution> contributions, AggregationOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AggregationOptions();
        var inputs = AlignedContributions.Check(contributions, weighted: false);
        var outputs = OrderStatisticMerge.Median(inputs, options, cancellationToken);
        return Finish(AggregationMethod.Median, inputs, outputs, options, weightUsed: false);
    }

    /// <summary>
    /// One entry point for a caller that holds the method as a value (Merge-SwarmContribution -Method).
    /// <paramref name="loraAlpha"/> is required for Exact, <paramref name="trimFraction"/> for TrimmedMean.
    /// </summary>
    public static AggregationResult Merge(
        AggregationMethod method,
        IReadOnlyList<AggregationContribution> contributions,
        double? loraAlpha = null,
        double? trimFraction = null,
        AggregationOptions? options = null,
        CancellationToken cancellationToken = default) => method switch
    {
        AggregationMethod.FedAvg => FedAvg(contributions, options, cancellationToken),
        AggregationMethod.Exact => Exact(contributions, loraAlpha ?? double.NaN, options, cancellationToken),
        AggregationMethod.TrimmedMean => TrimmedMean(contributions, trimFraction ?? double.NaN, options, cancellationToken),
        AggregationMethod.Median => Median(contributions, options, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not an aggregation method."),
    };

    private static AggregationResult Finish(
        AggregationMethod method,
        AlignedContributions inputs,
        Dictionary<int, float[]> outputs,
        AggregationOptions options,
        bool weightUsed,
        double? trimFraction = null,
        int? trimmedPerSide = null,
        IReadOnlyList<LowRankApproximation>? approximations = null)
    {
        var tensors = inputs.Layout.Select((t, i) => new AggregationTensor(t.Name, t.Shape, outputs[i])).ToArray();
        var receipt = new AggregationReceipt(
            method,
            inputs.Contributions.Select(c => new AggregationReceiptInput(c.Id, c.Digest, c.Weight, weightUsed)).ToArray(),
            tensors.Select(t => new AggregationReceiptOutput(
                t.Name, t.Shape, 4L * t.ElementCount, options.DigestOutputs ? TensorDigest.Sha256(t.Data.Span) : null)).ToArray(),
            trimFraction,
            trimmedPerSide,
            approximations ?? []);
        return new AggregationResult(tensors, receipt);
    }
}
