namespace SwarmPS.Engine.Training;

/// <summary>
/// One contributor's tensors and its weight. For FedAvg and Exact the weight is the contribution's
/// example count, so a site that trained on more data counts for more; TrimmedMean and Median ignore
/// it on purpose (a weight is a claim made by the contributor, and a robust method must not let one
/// contributor buy influence). <see cref="Digest"/> is the adapter's sha256 when the caller has one;
/// it is carried into the receipt and never checked here.
/// </summary>
public sealed class AggregationContribution
{
    public AggregationContribution(string id, double weight, IReadOnlyList<AggregationTensor> tensors, string? digest = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Id = string.IsNullOrWhiteSpace(id)
            ? throw new SwarmException(
                "AggregationContributionIdMissing",
                "A contribution given to aggregation has no id.",
                "Give each contribution an id (its contributor or run id) so the receipt can name it.",
                SwarmErrorCategory.InvalidArgument)
            : id;
        Weight = weight;
        Tensors = tensors.ToArray();
        Digest = digest;
    }

    public string Id { get; }

    public double Weight { get; }

    public IReadOnlyList<AggregationTensor> Tensors { get; }

    public string? Digest { get; }

    public override string ToString() => $"{Id} (weight {Weight}, {Tensors.Count} tensors)";
}
