using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Merge-SwarmContribution's work: reads adapter files into <see cref="AggregationContribution"/>s (every
/// dtype widened to float32), merges them with <see cref="ContributionAggregator"/>, and writes the merged
/// adapter as F32 safetensors, durably, with the method and the inputs' digests in its metadata.
/// </summary>
public static class AdapterMerge
{
    /// <summary>The metadata keys the merged file carries (besides PEFT's <c>format: pt</c>).</summary>
    public const string MethodKey = "swarmps_merge_method";
    public const string InputsKey = "swarmps_merge_inputs";
    public const string LoraAlphaKey = "lora_alpha";

    /// <summary>
    /// Refuses what can be refused before any file is read: no paths, weights that do not pair with the
    /// paths or are not positive, a trim fraction for a method that has none (or none for TrimmedMean), a
    /// LoRA alpha for a method other than Exact, and an existing output without <paramref name="overwrite"/>.
    /// Returns the weights, one per path.
    /// </summary>
    public static IReadOnlyList<double> CheckArguments(
        IReadOnlyList<string> paths,
        IReadOnlyList<double>? weights,
        AggregationMethod method,
        string outputPath,
        double? trimFraction,
        double? loraAlpha,
        bool overwrite)
    {
        if (paths.Count == 0)
        {
            throw new SwarmException("MergeNoPaths",
                "No adapter file was given to merge (or the patterns given matched none).",
                "Pass the contributions' adapter files with -Path (for example -Path adapters/*.safetensors).",
                SwarmErrorCategory.InvalidArgument);
        }

        if (weights is not null && weights.Count != paths.Count)
        {
            throw new SwarmException("MergeWeightCountMismatch",
                $"{weights.Count} weight(s) were given for {paths.Count} adapter file(s); each file needs one.",
                "Pass one -Weight per adapter file, in the order of the files (a pattern counts as the files it matches), or none for equal weights.",
                SwarmErrorCategory.InvalidArgument);
        }

        var resolved = weights ?? Enumerable.Repeat(1.0, paths.Count).ToArray();
        for (var i = 0; i < resolved.Count; i++)
        {
            if (!(resolved[i] > 0) || double.IsInfinity(resolved[i]))
            {
                throw new SwarmException("MergeWeightInvalid",
                    $"The weight {resolved[i].ToString(CultureInfo.InvariantCulture)} of '{Path.GetFileName(paths[i])}' is not a positive finite number.",
                    "Give every adapter a positive weight (its example count for FedAvg and Exact); leave out a contribution rather than weighting it 0.",
                    SwarmErrorCategory.InvalidArgument, paths[i]);
            }
        }

        if (trimFraction is not null && method != AggregationMethod.TrimmedMean)
        {
            throw new SwarmException("MergeTrimFractionNotApplicable",
                $"-TrimFraction was given, but {method} trims nothing; it would be ignored.",
                "Leave out -TrimFraction, or use -Method TrimmedMean.",
                SwarmErrorCategory.InvalidArgument);
        }

        if (trimFraction is null && method == AggregationMethod.TrimmedMean)
        {
            throw new SwarmException("MergeTrimFractionMissing",
                "TrimmedMean needs the fraction to trim at each end, and none was given.",
                "Pass -TrimFraction (for example 0.2: with 10 contributions the 2 lowest and 2 highest values of each coordinate are dropped).",
                SwarmErrorCategory.InvalidArgument);
        }

        if (loraAlpha is not null && method != AggregationMethod.Exact)
        {
            throw new SwarmException("MergeLoraAlphaNotApplicable",
                $"-LoraAlpha was given, but only Exact scales the LoRA products; {method} would ignore it.",
                "Leave out -LoraAlpha, or use -Method Exact.",
                SwarmErrorCategory.InvalidArgument);
        }

        if (!overwrite && File.Exists(outputPath))
        {
            throw new SwarmException("MergeOutputExists",
                $"'{outputPath}' exists; merging would replace it.",
                "Choose another -OutputPath, or pass -Force to replace the file.",
                SwarmErrorCategory.InvalidOperation, outputPath);
        }

        return resolved;
    }

    /// <summary>
    /// Reads, merges and writes. <paramref name="loraAlpha"/> is needed by Exact: when null it is taken from
    /// the inputs (<see cref="FindLoraAlpha"/>). Refusals: <see cref="CheckArguments"/>'s, the safetensors
    /// reader's for a file that is not a readable adapter, and the aggregation's (<c>Aggregation*</c>).
    /// </summary>
    public static AdapterMergeReceipt Merge(
        IReadOnlyList<string> paths,
        IReadOnlyList<double>? weights,
        AggregationMethod method,
        string outputPath,
        double? loraAlpha = null,
        double? trimFraction = null,
        bool overwrite = false,
        CancellationToken cancellationToken = default)
    {
        var fullOutput = Path.GetFullPath(outputPath);
        var resolvedWeights = CheckArguments(paths, weights, method, fullOutput, trimFraction, loraAlpha, overwrite);
        var contributions = new List<AggregationContribution>(paths.Count);
        var inputs = new List<(string Path, string Sha256, IReadOnlyDictionary<string, string> Metadata)>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (contribution, metadata) = Read(Path.GetFullPath(paths[i]), resolvedWeights[i]);
            contributions.Add(contribution);
            inputs.Add((contribution.Id, contribution.Digest!, metadata));
        }

        if (method == AggregationMethod.Exact && loraAlpha is null)
        {
            loraAlpha = FindLoraAlpha(inputs.Select(i => (i.Path, i.Metadata)).ToArray());
        }

        var result = ContributionAggregator.Merge(method, contributions, loraAlpha, trimFraction, options: null, cancellationToken);
        var receiptInputs = result.Receipt.Inputs
            .Select((r, i) => new AdapterMergeInput(inputs[i].Path, inputs[i].Sha256, r.Weight, r.WeightUsed))
            .ToArray();
        var usedAlpha = method == AggregationMethod.Exact ? loraAlpha : null;
        SafetensorsWriter.Write(fullOutput, result.Tensors.Select(ToWrite), Metadata(method, receiptInputs, usedAlpha, trimFraction), durable: true);
        return new AdapterMergeReceipt(method, receiptInputs, fullOutput, Sha256(fullOutput), usedAlpha, result.Receipt);
    }

    /// <summary>
    /// Exact's LoRA alpha when -LoraAlpha is not given. PEFT saves an adapter as <c>adapter_model.safetensors</c>
    /// beside <c>adapter_config.json</c>, whose <c>lora_alpha</c> is the one to use; for any other file name (or
    /// no config) the file's own <c>__metadata__</c> key <c>lora_alpha</c> is read. Every input must state one
    /// and all must agree: a merge of adapters trained with different alphas has no single scale to write.
    /// </summary>
    public static double FindLoraAlpha(IReadOnlyList<(string Path, IReadOnlyDictionary<string, string> Metadata)> inputs)
    {
        double? agreed = null;
        string? first = null;
        foreach (var (path, metadata) in inputs)
        {
            var alpha = AlphaFromConfig(path) ?? AlphaFromMetadata(path, metadata) ?? throw new SwarmException("MergeLoraAlphaMissing",
                $"Exact needs the LoRA alpha, and '{Path.GetFileName(path)}' states none (no adapter_config.json beside an adapter_model.safetensors, no 'lora_alpha' in its metadata).",
                "Pass -LoraAlpha with the training contract's lora_alpha.",
                SwarmErrorCategory.InvalidArgument, path);
            if (agreed is null)
            {
                (agreed, first) = (alpha, path);
            }
            else if (agreed.Value != alpha)
            {
                throw new SwarmException("MergeLoraAlphaDisagrees",
                    $"'{Path.GetFileName(first)}' states LoRA alpha {agreed.Value.ToString(CultureInfo.InvariantCulture)} and '{Path.GetFileName(path)}' states {alpha.ToString(CultureInfo.InvariantCulture)}.",
                    "Merge only adapters trained with one contract, or pass -LoraAlpha to say which alpha the merged adapter has.",
                    SwarmErrorCategory.InvalidData, path);
            }
        }

        return agreed!.Value;
    }

    private static (AggregationContribution Contribution, IReadOnlyDictionary<string, string> Metadata) Read(string path, double weight)
    {
        using var file = SafetensorsFile.Open(path);
        var tensors = new List<AggregationTensor>(file.Tensors.Count);
        foreach (var descriptor in file.Tensors)
        {
            var values = new float[checked((int)descriptor.ElementCount)];
            TensorConversion.ToSingle(file, descriptor, values);
            tensors.Add(new AggregationTensor(descriptor.Name, descriptor.Shape.Select(d => checked((int)d)).ToArray(), values));
        }

        // The full path is the id: two files of one name in different folders are two contributions, and
        // one file given twice is refused by the aggregation as a duplicate.
        return (new AggregationContribution(path, weight, tensors, file.ComputeSha256()), file.Metadata);
    }

    private static double? AlphaFromConfig(string path)
    {
        var config = Path.Combine(Path.GetDirectoryName(path)!, "adapter_config.json");
        if (!string.Equals(Path.GetFileName(path), "adapter_model.safetensors", StringComparison.Ordinal) || !File.Exists(config))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(config));
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("lora_alpha", out var alpha)
                && alpha.ValueKind == JsonValueKind.Number)
            {
                return alpha.GetDouble();
            }
        }
        catch (JsonException error)
        {
            throw new SwarmException("MergeAdapterConfigInvalid",
                $"'{config}' is not JSON: {error.Message}",
                "Write adapter_config.json again (PEFT's save_pretrained does), or pass -LoraAlpha.",
                SwarmErrorCategory.InvalidData, config, error);
        }

        return null;
    }

    private static double? AlphaFromMetadata(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(LoraAlphaKey, out var text))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha)
            ? alpha
            : throw new SwarmException("MergeLoraAlphaMissing",
                $"'{Path.GetFileName(path)}' has the metadata lora_alpha '{text}', which is not a number.",
                "Pass -LoraAlpha with the training contract's lora_alpha.",
                SwarmErrorCategory.InvalidData, path);
    }

    private static TensorToWrite ToWrite(AggregationTensor tensor) =>
        // float32 in memory is little-endian on every platform .NET runs SwarmPS on (x64, arm64), which is safetensors' order.
        new(tensor.Name, TensorDType.F32, tensor.Shape.Select(d => (long)d).ToArray(),
            stream => stream.Write(MemoryMarshal.AsBytes(tensor.Data.Span)));

    private static Dictionary<string, string> Metadata(AggregationMethod method, IReadOnlyList<AdapterMergeInput> inputs, double? loraAlpha, double? trimFraction)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [MethodKey] = method.ToString(),
            // The inputs by digest and weight, not by path: paths are local to the coordinator.
            [InputsKey] = JsonSerializer.Serialize(inputs.Select(i => new Dictionary<string, object> { ["sha256"] = i.Sha256, ["weight"] = i.Weight })),
        };
        if (loraAlpha is not null)
        {
            metadata[LoraAlphaKey] = loraAlpha.Value.ToString("R", CultureInfo.InvariantCulture);
        }

        if (trimFraction is not null)
        {
            metadata["swarmps_merge_trim_fraction"] = trimFraction.Value.ToString("R", CultureInfo.InvariantCulture);
        }

        return metadata;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return BlobDigest.Of(stream).Hex;
    }
}
