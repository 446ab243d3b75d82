namespace SwarmPS.Engine.Training;

/// <summary>
/// The contributions checked against each other and lined up tensor by tensor, so every method can
/// index <c>Data(k, t)</c> without looking names up in its loops. Every refusal that does not depend
/// on the method happens here, before any arithmetic: an empty set, a duplicate contribution, a bad
/// weight, and tensors that do not match the first contribution's by name and shape. The first
/// contribution sets the layout (names in its order) because that is the order the merged adapter is
/// written in.
/// </summary>
internal sealed class AlignedContributions
{
    private readonly ReadOnlyMemory<float>[][] _data;

    private AlignedContributions(
        IReadOnlyList<AggregationContribution> contributions, IReadOnlyList<AggregationTensor> layout, ReadOnlyMemory<float>[][] data)
    {
        Contributions = contributions;
        Layout = layout;
        _data = data;
    }

    public IReadOnlyList<AggregationContribution> Contributions { get; }

    /// <summary>The first contribution's tensors: the names, shapes and order of the output.</summary>
    public IReadOnlyList<AggregationTensor> Layout { get; }

    public int ContributionCount => Contributions.Count;

    public ReadOnlyMemory<float> Data(int contribution, int tensor) => _data[contribution][tensor];

    /// <summary>
    /// Weights normalized to sum to one, computed in double so eight weights of a few million examples
    /// each do not lose digits before the single rounding to float.
    /// </summary>
    public double[] NormalizedWeights()
    {
        var total = Contributions.Sum(c => c.Weight);
        return Contributions.Select(c => c.Weight / total).ToArray();
    }

    public static AlignedContributions Check(IReadOnlyList<AggregationContribution>? contributions, bool weighted)
    {
        if (contributions is null || contributions.Count == 0)
        {
            throw new SwarmException(
                "AggregationNoInputs",
                "There are no contributions to aggregate.",
                "Pass at least one contribution (for a robust method, three or more).",
                SwarmErrorCategory.InvalidArgument);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var contribution in contributions)
        {
            if (!seen.Add(contribution.Id))
            {
                throw new SwarmException(
                    "AggregationContributionDuplicate",
                    $"Contribution '{contribution.Id}' is given twice; it would be counted twice.",
                    "Pass each contribution once.",
                    SwarmErrorCategory.InvalidArgument,
                    contribution.Id);
            }

            // Robust methods ignore weights, but a weight of -3 or NaN is a broken input either way.
            if (!double.IsFinite(contribution.Weight) || contribution.Weight <= 0)
            {
                throw new SwarmException(
                    "AggregationWeightInvalid",
                    $"Contribution '{contribution.Id}' has the weight {contribution.Weight}; a weight is a positive example count.",
                    weighted
                        ? "Give every contribution its example count (a positive number); leave out a contribution that trained on nothing."
                        : "Give every contribution a positive weight (TrimmedMean and Median do not use it, but it must be valid).",
                    SwarmErrorCategory.InvalidArgument,
                    contribution.Id);
            }
        }

        var first = contributions[0];
        var layout = UniqueByName(first);
        var data = new ReadOnlyMemory<float>[contributions.Count][];
        data[0] = first.Tensors.Select(t => t.Data).ToArray();
        for (var k = 1; k < contributions.Count; k++)
        {
            var byName = UniqueByName(contributions[k]).ToDictionary(t => t.Name, StringComparer.Ordinal);
            data[k] = new ReadOnlyMemory<float>[layout.Count];
            for (var t = 0; t < layout.Count; t++)
            {
                var expected = layout[t];
                if (!byName.Remove(expected.Name, out var actual))
                {
                    throw Missing(expected.Name, holder: first.Id, lacking: contributions[k].Id);
                }

                if (!expected.Shape.SequenceEqual(actual.Shape))
                {
                    throw new SwarmException(
                        "AggregationShapeMismatch",
                        $"Tensor '{expected.Name}' has the shape {AggregationTensor.FormatShape(expected.Shape)} in contribution '{first.Id}' " +
                        $"but {AggregationTensor.FormatShape(actual.Shape)} in contribution '{contributions[k].Id}'.",
                        "Aggregate only adapters trained with the same contract (target modules, rank, base model); " +
                        "reject or retrain the contribution that differs.",
                        SwarmErrorCategory.InvalidData,
                        expected.Name);
                }

                data[k][t] = actual.Data;
            }

            if (byName.Count > 0)
            {
                throw Missing(byName.Keys.Order(StringComparer.Ordinal).First(), holder: contributions[k].Id, lacking: first.Id);
            }
        }

        return new AlignedContributions(contributions, layout, data);
    }

    /// <summary>
    /// Refuses NaN and infinities, naming the first one found. Callers on the hot path run it only
    /// where the output shows a non-finite value, which a NaN or infinity in any input always causes
    /// (all weights are positive), so clean inputs are read once, not twice.
    /// </summary>
    public void RefuseNonFinite(int tensor, int start, int length)
    {
        for (var k = 0; k < ContributionCount; k++)
        {
            var span = Data(k, tensor).Span.Slice(start, length);
            for (var i = 0; i < span.Length; i++)
            {
                if (!float.IsFinite(span[i]))
                {
                    throw NonFinite(k, tensor, start + i, span[i]);
                }
            }
        }
    }

    public SwarmException NonFinite(int contribution, int tensor, int index, float value) => new(
        "AggregationValueNotFinite",
        $"Tensor '{Layout[tensor].Name}' of contribution '{Contributions[contribution].Id}' holds {value} at index {index}; " +
        "a NaN or infinity would spread into every merged value.",
        "Reject this contribution (Test-SwarmContribution refuses NaN and Inf) or have the contributor retrain it.",
        SwarmErrorCategory.InvalidData,
        Contributions[contribution].Id);

    private static IReadOnlyList<AggregationTensor> UniqueByName(AggregationContribution contribution)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in contribution.Tensors)
        {
            if (!names.Add(tensor.Name))
            {
                throw new SwarmException(
                    "AggregationTensorDuplicate",
                    $"Contribution '{contribution.Id}' holds the tensor '{tensor.Name}' twice.",
                    "Give each tensor once; an adapter file cannot hold two tensors of one name.",
                    SwarmErrorCategory.InvalidData,
                    contribution.Id);
            }
        }

        return contribution.Tensors;
    }

    private static SwarmException Missing(string name, string holder, string lacking) => new(
        "AggregationTensorMissing",
        $"Tensor '{name}' is in contribution '{holder}' but not in contribution '{lacking}'.",
        "Aggregate only adapters trained with the same contract (the same target modules); " +
        "reject or retrain the contribution that differs.",
        SwarmErrorCategory.InvalidData,
        name);
}
