namespace SwarmPS.Trainer;

/// <summary>
/// The mean loss over every example of a data file, summed in double in example order: of the base alone
/// (its precomputed logits), or of the base with an adapter (the adapter pass, 32 examples at a time).
/// </summary>
internal static class ShardLoss
{
    public static double OfBase(ExampleFeatures features)
    {
        double sum = 0;
        for (var e = 0; e < features.Count; e++)
        {
            sum += Softmax.Loss(features.BaseLogitsOf(e), features.Targets[e], Span<float>.Empty);
        }

        return sum / features.Count;
    }

    public static double OfAdapter(ExampleFeatures features, LoraHeadPass pass)
    {
        Span<int> batch = stackalloc int[LoraHeadPass.MaxBatch];
        Span<double> losses = stackalloc double[LoraHeadPass.MaxBatch];
        double sum = 0;
        for (var start = 0; start < features.Count; start += LoraHeadPass.MaxBatch)
        {
            var n = Math.Min(LoraHeadPass.MaxBatch, features.Count - start);
            for (var j = 0; j < n; j++)
            {
                batch[j] = start + j;
            }

            pass.Forward(batch[..n], losses);
            foreach (var loss in losses[..n])
            {
                sum += loss;
            }
        }

        return sum / features.Count;
    }
}
