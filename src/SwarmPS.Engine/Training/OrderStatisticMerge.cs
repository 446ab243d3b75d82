namespace SwarmPS.Engine.Training;

/// <summary>
/// Coordinate-wise robust merges: for every position, the K contributors' values are sorted and reduced
/// to their median, or to the mean of what is left after dropping the g smallest and g largest
/// (g = ⌊fraction·K⌋, the convention of scipy.stats.trim_mean). Unweighted on purpose: one contributor
/// with huge values or a huge claimed example count moves a median not at all and a trimmed mean only
/// within the range of the honest values. Not the hot path (a sort per position), but chunked and
/// parallel like FedAvg so a large adapter does not take one core for minutes.
/// </summary>
internal static class OrderStatisticMerge
{
    public static Dictionary<int, float[]> Median(AlignedContributions inputs, AggregationOptions options, CancellationToken cancellationToken) =>
        Run(inputs, options, cancellationToken, sorted =>
        {
            var n = sorted.Length;
            // An even count takes the mean of the middle two, as numpy.median does; in double, rounded once.
            return n % 2 == 1 ? sorted[n / 2] : (float)((sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2);
        });

    public static Dictionary<int, float[]> TrimmedMean(
        AlignedContributions inputs, int trimmedPerSide, AggregationOptions options, CancellationToken cancellationToken) =>
        Run(inputs, options, cancellationToken, sorted =>
        {
            double sum = 0;
            var kept = sorted[trimmedPerSide..^trimmedPerSide];
            foreach (var value in kept)
            {
                sum += value;
            }

            return (float)(sum / kept.Length);
        });

    /// <summary>
    /// The trim count for a fraction, refusing fractions that would trim everything (≥ 0.5: nothing
    /// would be left at the centre) or are not a fraction at all.
    /// </summary>
    public static int TrimmedPerSide(double fraction, int contributions)
    {
        if (!double.IsFinite(fraction) || fraction < 0 || fraction >= 0.5)
        {
            throw new SwarmException(
                "AggregationTrimFractionInvalid",
                $"The trim fraction is {fraction}; it must be at least 0 and below 0.5 (the share cut from each end).",
                "Pass a fraction such as 0.1 or 0.2; with K contributions, floor(fraction·K) values are dropped at each end, " +
                "so 0.2 drops one of five at each end.",
                SwarmErrorCategory.InvalidArgument,
                fraction);
        }

        return (int)Math.Floor(fraction * contributions);
    }

    private delegate float Reduce(Span<float> sorted);

    private static Dictionary<int, float[]> Run(
        AlignedContributions inputs, AggregationOptions options, CancellationToken cancellationToken, Reduce reduce)
    {
        var outputs = new Dictionary<int, float[]>();
        var chunks = new List<(int Tensor, int Start, int Length)>();
        for (var t = 0; t < inputs.Layout.Count; t++)
        {
            var length = inputs.Layout[t].ElementCount;
            outputs[t] = GC.AllocateUninitializedArray<float>(length);
            for (var start = 0; start < length; start += FedAvgKernel.ChunkElements)
            {
                chunks.Add((t, start, Math.Min(FedAvgKernel.ChunkElements, length - start)));
            }
        }

        var k = inputs.ContributionCount;
        long firstBad = FirstIndex.None;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, chunks.Count, parallel, c =>
        {
            var (t, start, length) = chunks[c];
            var sources = new ReadOnlyMemory<float>[k];
            for (var j = 0; j < k; j++)
            {
                sources[j] = inputs.Data(j, t).Slice(start, length);
            }

            var output = outputs[t].AsSpan(start, length);
            var column = new float[k];
            for (var i = 0; i < length; i++)
            {
                for (var j = 0; j < k; j++)
                {
                    var value = sources[j].Span[i];
                    if (!float.IsFinite(value))
                    {
                        // Recorded, not thrown from a worker: the refusal below names the first bad chunk.
                        FirstIndex.Offer(ref firstBad, c);
                        return;
                    }

                    column[j] = value;
                }

                column.AsSpan().Sort();
                output[i] = reduce(column);
            }
        });

        if (firstBad != FirstIndex.None)
        {
            var (t, start, length) = chunks[(int)firstBad];
            inputs.RefuseNonFinite(t, start, length);
        }

        return outputs;
    }
}
