namespace SwarmPS.Engine.Training;

/// <summary>
/// FedAvg over aligned contributions: every tensor is the example-weighted mean of its counterparts.
/// The tensors go to <see cref="FedAvgKernel"/> together so one parallel loop covers them all.
/// </summary>
internal static class FedAvgMerge
{
    /// <param name="only">The layout indices to merge (Exact passes the tensors that are not LoRA pairs); null for all.</param>
    public static Dictionary<int, float[]> Run(
        AlignedContributions inputs, IReadOnlyList<int>? only, AggregationOptions options, CancellationToken cancellationToken)
    {
        var indices = only ?? Enumerable.Range(0, inputs.Layout.Count).ToArray();
        var weights = inputs.NormalizedWeights().Select(w => (float)w).ToArray();
        var outputs = new Dictionary<int, float[]>();
        var jobs = new List<FedAvgKernel.WeightedSumJob>();
        foreach (var t in indices)
        {
            // Uninitialized: every element is written by the kernel, so zeroing would be a wasted pass.
            var output = GC.AllocateUninitializedArray<float>(inputs.Layout[t].ElementCount);
            outputs[t] = output;
            var sources = new ReadOnlyMemory<float>[inputs.ContributionCount];
            for (var k = 0; k < sources.Length; k++)
            {
                sources[k] = inputs.Data(k, t);
            }

            jobs.Add(new FedAvgKernel.WeightedSumJob(sources, output));
        }

        var bad = FedAvgKernel.Run(jobs, weights, options.MaxDegreeOfParallelism, cancellationToken);
        if (bad.Job >= 0)
        {
            var tensor = indices[bad.Job];
            inputs.RefuseNonFinite(tensor, bad.Start, bad.Length);

            // Every input of the chunk is finite, so the sum itself overflowed (inputs near float.MaxValue).
            throw new SwarmException(
                "AggregationValueNotFinite",
                $"The weighted mean of tensor '{inputs.Layout[tensor].Name}' overflowed float32 near index {bad.Start}: " +
                "the inputs there are close to the largest float.",
                "Reject the contribution with the extreme values (an update norm bound in the plan catches it).",
                SwarmErrorCategory.InvalidData,
                inputs.Layout[tensor].Name);
        }

        return outputs;
    }
}
