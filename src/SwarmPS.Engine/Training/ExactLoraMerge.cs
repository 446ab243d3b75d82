namespace SwarmPS.Engine.Training;

/// <summary>
/// The Exact merge of LoRA adapters. Averaging A and B separately is not averaging the updates:
/// mean(B)·mean(A) ≠ mean(B·A). So for each pair (A: [r, in], B: [out, r], scale s = alpha/r) this
/// forms the weighted mean of the updates, M = Σ_k w_k·s·B_k·A_k (w normalized to sum to one), and
/// factors it back to rank r by a truncated SVD, M ≈ U_r·Σ_r·V_rᵀ.
///
/// Convention for the returned factors (balanced, so neither carries all the magnitude):
///   B' = U_r·Σ_r^½ / √s   and   A' = Σ_r^½·V_rᵀ / √s,   hence s·B'·A' = U_r·Σ_r·V_rᵀ,
/// and the merged adapter keeps the contributors' rank and alpha. M has rank at most r·K, and is never
/// formed: it is handled as a sum of r·K outer products (<see cref="LowRankProductSvd"/>), in double.
///
/// The receipt's error is ‖M − s·B'·A'‖_F for the float32 factors actually returned (their rounding
/// included), computed the same way without forming M. Tensors that are not LoRA pairs (biases,
/// embeddings a contract makes trainable) are merged by FedAvg, the exact mean for a linear parameter.
/// </summary>
internal static class ExactLoraMerge
{
    public static (Dictionary<int, float[]> Outputs, List<LowRankApproximation> Approximations) Run(
        AlignedContributions inputs, double loraAlpha, AggregationOptions options, CancellationToken cancellationToken)
    {
        if (!double.IsFinite(loraAlpha) || loraAlpha <= 0)
        {
            throw new SwarmException(
                "AggregationLoraAlphaInvalid",
                $"The LoRA alpha is {loraAlpha}; the Exact merge scales each update by alpha/rank and needs a positive alpha.",
                "Pass the lora_alpha of the adapter contract (adapter_config.json's \"lora_alpha\").",
                SwarmErrorCategory.InvalidArgument,
                loraAlpha);
        }

        var pairs = FindPairs(inputs.Layout);
        if (pairs.Count == 0)
        {
            throw new SwarmException(
                "AggregationNoLoraPairs",
                "None of the tensors is a LoRA pair (a '<module>.lora_A…' tensor with its '<module>.lora_B…'); Exact has nothing to factor.",
                "Use -Method FedAvg for an adapter without LoRA pairs, or check the tensor names.",
                SwarmErrorCategory.InvalidData);
        }

        // The whole input is checked first: a NaN would otherwise surface as a meaningless SVD.
        for (var t = 0; t < inputs.Layout.Count; t++)
        {
            inputs.RefuseNonFinite(t, 0, inputs.Layout[t].ElementCount);
        }

        var inPairs = pairs.SelectMany(p => new[] { p.A, p.B }).ToHashSet();
        var others = Enumerable.Range(0, inputs.Layout.Count).Where(t => !inPairs.Contains(t)).ToArray();
        var outputs = others.Length == 0 ? new Dictionary<int, float[]>() : FedAvgMerge.Run(inputs, others, options, cancellationToken);

        var weights = inputs.NormalizedWeights();
        var results = new (float[] A, float[] B, LowRankApproximation Approximation)[pairs.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, pairs.Count, parallel, p => results[p] = MergePair(inputs, pairs[p], weights, loraAlpha));
        for (var p = 0; p < pairs.Count; p++)
        {
            outputs[pairs[p].A] = results[p].A;
            outputs[pairs[p].B] = results[p].B;
        }

        return (outputs, results.Select(r => r.Approximation).ToList());
    }

    private readonly record struct LoraPair(int A, int B);

    /// <summary>
    /// Pairs '…lora_A…' with '…lora_B…' (the PEFT names, e.g. 'model.layers.0.q_proj.lora_A.weight'),
    /// refusing a half pair and factors whose ranks disagree, before any arithmetic.
    /// </summary>
    private static List<LoraPair> FindPairs(IReadOnlyList<AggregationTensor> layout)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var t = 0; t < layout.Count; t++)
        {
            index[layout[t].Name] = t;
        }

        var pairs = new List<LoraPair>();
        var paired = new HashSet<int>();
        for (var t = 0; t < layout.Count; t++)
        {
            var name = layout[t].Name;
            var at = name.LastIndexOf("lora_A", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var partner = string.Concat(name.AsSpan(0, at), "lora_B", name.AsSpan(at + "lora_A".Length));
            if (!index.TryGetValue(partner, out var b))
            {
                throw Incomplete(name, partner);
            }

            var a = layout[t];
            var bTensor = layout[b];
            if (a.Shape.Count != 2 || bTensor.Shape.Count != 2)
            {
                throw new SwarmException(
                    "AggregationLoraShapeInvalid",
                    $"LoRA pair '{a.Name}' {AggregationTensor.FormatShape(a.Shape)} and '{bTensor.Name}' {AggregationTensor.FormatShape(bTensor.Shape)}: " +
                    "both factors must be matrices (A: [rank, in], B: [out, rank]).",
                    "Check the adapter: a linear LoRA layer stores two 2-D factors; use FedAvg for other layer kinds.",
                    SwarmErrorCategory.InvalidData,
                    a.Name);
            }

            if (a.Shape[0] != bTensor.Shape[1] || a.Shape[0] == 0)
            {
                throw new SwarmException(
                    "AggregationLoraRankMismatch",
                    $"LoRA pair '{a.Name}' {AggregationTensor.FormatShape(a.Shape)} and '{bTensor.Name}' {AggregationTensor.FormatShape(bTensor.Shape)}: " +
                    $"A has rank {a.Shape[0]} (its rows) but B has rank {bTensor.Shape[1]} (its columns).",
                    "The two factors of a pair must share the rank (A: [r, in], B: [out, r]); reject the adapter that was written wrongly.",
                    SwarmErrorCategory.InvalidData,
                    a.Name);
            }

            pairs.Add(new LoraPair(t, b));
            paired.Add(b);
        }

        foreach (var t in Enumerable.Range(0, layout.Count))
        {
            var name = layout[t].Name;
            var at = name.LastIndexOf("lora_B", StringComparison.Ordinal);
            if (at >= 0 && !paired.Contains(t))
            {
                throw Incomplete(name, string.Concat(name.AsSpan(0, at), "lora_A", name.AsSpan(at + "lora_B".Length)));
            }
        }

        return pairs;
    }

    private static SwarmException Incomplete(string present, string missing) => new(
        "AggregationLoraPairIncomplete",
        $"LoRA tensor '{present}' has no partner '{missing}'; the Exact merge needs both factors of each pair.",
        "Check that the adapter holds both lora_A and lora_B of every module, or merge it with FedAvg.",
        SwarmErrorCategory.InvalidData,
        present);

    private static (float[] A, float[] B, LowRankApproximation Approximation) MergePair(
        AlignedContributions inputs, LoraPair pair, double[] weights, double loraAlpha)
    {
        var aShape = inputs.Layout[pair.A].Shape;
        var bShape = inputs.Layout[pair.B].Shape;
        int rank = aShape[0], columns = aShape[1], rows = bShape[0];
        var scale = loraAlpha / rank;

        // M = Σ_k Σ_i (w_k·s·B_k[:, i]) · (A_k[i, :]): one outer product per rank-one term.
        var x = new List<double[]>();
        var y = new List<double[]>();
        for (var k = 0; k < inputs.ContributionCount; k++)
        {
            var a = inputs.Data(k, pair.A).Span;
            var b = inputs.Data(k, pair.B).Span;
            var factor = weights[k] * scale;
            for (var i = 0; i < rank; i++)
            {
                var bColumn = new double[rows];
                for (var row = 0; row < rows; row++)
                {
                    bColumn[row] = factor * b[row * rank + i];
                }

                var aRow = new double[columns];
                for (var column = 0; column < columns; column++)
                {
                    aRow[column] = a[i * columns + column];
                }

                x.Add(bColumn);
                y.Add(aRow);
            }
        }

        var (u, sigma, v) = LowRankProductSvd.Decompose(x, y);
        var bOut = new float[rows * rank];
        var aOut = new float[rank * columns];
        for (var i = 0; i < rank; i++)
        {
            var root = Math.Sqrt(sigma[i] / scale);
            for (var row = 0; row < rows; row++)
            {
                bOut[row * rank + i] = (float)(u[i][row] * root);
            }

            for (var column = 0; column < columns; column++)
            {
                aOut[i * columns + column] = (float)(root * v[i][column]);
            }
        }

        // The error of what is returned: M − s·B'·A' as one more sum of outer products.
        for (var i = 0; i < rank; i++)
        {
            var bColumn = new double[rows];
            for (var row = 0; row < rows; row++)
            {
                bColumn[row] = -scale * bOut[row * rank + i];
            }

            var aRow = new double[columns];
            for (var column = 0; column < columns; column++)
            {
                aRow[column] = aOut[i * columns + column];
            }

            x.Add(bColumn);
            y.Add(aRow);
        }

        var meanNorm = Math.Sqrt(sigma.Sum(s => s * s));
        var error = LowRankProductSvd.FrobeniusNorm(x, y);
        var approximation = new LowRankApproximation(
            inputs.Layout[pair.A].Name, inputs.Layout[pair.B].Name, rank, scale, meanNorm, error, meanNorm == 0 ? 0 : error / meanNorm);
        return (aOut, bOut, approximation);
    }
}
