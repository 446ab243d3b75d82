using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// AdapterMerge on real files: what it writes equals what ContributionAggregator computes from the same
/// tensors, bit for bit, in F32 with its metadata; 16-bit inputs are widened; the digests are the files';
/// every refusal comes before anything is written. The numerics against numpy are in tests/pester/Merge.Tests.ps1.
/// </summary>
public sealed class AdapterMergeTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-adaptermerge-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Theory]
    [InlineData(AggregationMethod.FedAvg)]
    [InlineData(AggregationMethod.Exact)]
    [InlineData(AggregationMethod.TrimmedMean)]
    [InlineData(AggregationMethod.Median)]
    public void The_written_file_holds_the_aggregators_tensors_in_F32_with_method_and_digests(AggregationMethod method)
    {
        var tensors = Enumerable.Range(0, 3).Select(Tensors).ToArray();
        var paths = tensors.Select((t, i) => WriteAdapter($"site-{i}.safetensors", t, TensorDType.F32, alpha: "16")).ToArray();
        var weights = new[] { 3.0, 1.0, 2.0 };
        var output = Path.Combine(_scratch.FullName, "merged.safetensors");
        double? trim = method == AggregationMethod.TrimmedMean ? 0.34 : null;

        var receipt = AdapterMerge.Merge(paths, weights, method, output, trimFraction: trim);

        var expected = ContributionAggregator.Merge(method,
            tensors.Select((t, i) => new AggregationContribution(paths[i], weights[i], t)).ToArray(), loraAlpha: 16, trimFraction: trim);
        using (var file = SafetensorsFile.Open(output))
        {
            Assert.All(file.Tensors, t => Assert.Equal(TensorDType.F32, t.DType));
            foreach (var tensor in expected.Tensors)
            {
                var written = file.GetTensor(tensor.Name);
                Assert.Equal(tensor.Shape.Select(d => (long)d), written.Shape);
                Assert.Equal(tensor.Data.ToArray(), file.GetValues<float>(written).ToArray());
            }

            Assert.Equal(method.ToString(), file.Metadata[AdapterMerge.MethodKey]);
            var inputs = JsonDocument.Parse(file.Metadata[AdapterMerge.InputsKey]).RootElement.EnumerateArray()
                .Select(e => (e.GetProperty("sha256").GetString(), e.GetProperty("weight").GetDouble())).ToArray();
            Assert.Equal(paths.Select((p, i) => ((string?)FileSha256(p), weights[i])), inputs);
            Assert.Equal(method == AggregationMethod.Exact, file.Metadata.ContainsKey(AdapterMerge.LoraAlphaKey));
        }

        Assert.Equal(method, receipt.Method);
        Assert.Equal(output, receipt.OutputPath);
        Assert.Equal(FileSha256(output), receipt.OutputDigest);
        Assert.Equal(paths, receipt.Inputs.Select(i => i.Path));
        Assert.Equal(paths.Select(FileSha256), receipt.Inputs.Select(i => i.Sha256));
        // The file (and so the receipt read from the merged tensors) may order tensors otherwise; the values are the same.
        static string[] Summary(IEnumerable<AggregationReceiptOutput> outputs) =>
            outputs.Select(o => $"{o.Name} [{string.Join(",", o.Shape)}] {o.Bytes} {o.Sha256}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Summary(expected.Receipt.Outputs), Summary(receipt.Outputs));
        Assert.Equal(method == AggregationMethod.Exact ? 16 : null, receipt.LoraAlpha);
        Assert.Equal(method == AggregationMethod.Exact, receipt.RelativeError is not null);
    }

    [Theory]
    [InlineData(TensorDType.F16)]
    [InlineData(TensorDType.BF16)]
    public void Sixteen_bit_inputs_are_widened_before_the_mean(TensorDType dtype)
    {
        // 1.5 and 2.5 are exact in both; their mean 2.0 also, so any other result is a widening error.
        var a = WriteAdapter("a.safetensors", new[] { new AggregationTensor("w", new[] { 2 }, new[] { 1.5f, -2.5f }) }, dtype);
        var b = WriteAdapter("b.safetensors", new[] { new AggregationTensor("w", new[] { 2 }, new[] { 2.5f, 0.5f }) }, dtype);
        var output = Path.Combine(_scratch.FullName, "merged.safetensors");

        AdapterMerge.Merge(new[] { a, b }, null, AggregationMethod.FedAvg, output);

        using var file = SafetensorsFile.Open(output);
        Assert.Equal(new[] { 2.0f, -1.0f }, file.GetValues<float>(file.GetTensor("w")).ToArray());
    }

    [Fact]
    public void Exact_takes_alpha_from_peft_adapter_config_before_metadata_and_refuses_disagreement()
    {
        var paths = new List<string>();
        foreach (var (site, config) in new[] { ("a", "{\"r\": 2, \"lora_alpha\": 32}"), ("b", "{\"lora_alpha\": 32.0}") })
        {
            Directory.CreateDirectory(Path.Combine(_scratch.FullName, site));
            paths.Add(WriteAdapter(Path.Combine(site, "adapter_model.safetensors"), Tensors(paths.Count), TensorDType.F32, alpha: "4"));
            File.WriteAllText(Path.Combine(_scratch.FullName, site, "adapter_config.json"), config);
        }

        var receipt = AdapterMerge.Merge(paths, null, AggregationMethod.Exact, Path.Combine(_scratch.FullName, "m.safetensors"));
        Assert.Equal(32, receipt.LoraAlpha);
        Assert.All(receipt.Approximations, a => Assert.Equal(16, a.Scale));

        File.WriteAllText(Path.Combine(_scratch.FullName, "b", "adapter_config.json"), "{\"lora_alpha\": 8}");
        var error = Assert.Throws<SwarmException>(() => AdapterMerge.Merge(paths, null, AggregationMethod.Exact, Path.Combine(_scratch.FullName, "m2.safetensors")));
        Assert.Equal("MergeLoraAlphaDisagrees", error.ErrorId);

        File.WriteAllText(Path.Combine(_scratch.FullName, "b", "adapter_config.json"), "{not json");
        error = Assert.Throws<SwarmException>(() => AdapterMerge.Merge(paths, null, AggregationMethod.Exact, Path.Combine(_scratch.FullName, "m3.safetensors")));
        Assert.Equal("MergeAdapterConfigInvalid", error.ErrorId);
    }

    [Fact]
    public void Exact_metadata_alpha_is_used_for_other_file_names_and_its_absence_refused()
    {
        var withAlpha = WriteAdapter("x.safetensors", Tensors(0), TensorDType.F32, alpha: "8");
        var without = WriteAdapter("y.safetensors", Tensors(1), TensorDType.F32);

        Assert.Equal(8, AdapterMerge.Merge(new[] { withAlpha }, null, AggregationMethod.Exact, Path.Combine(_scratch.FullName, "m.safetensors")).LoraAlpha);
        var error = Assert.Throws<SwarmException>(() => AdapterMerge.Merge(new[] { withAlpha, without }, null, AggregationMethod.Exact, Path.Combine(_scratch.FullName, "m2.safetensors")));
        Assert.Equal("MergeLoraAlphaMissing", error.ErrorId);
        Assert.Equal(without, error.Target);
    }

    public static TheoryData<string, string[], double[]?, AggregationMethod, double?, double?> BadArguments => new()
    {
        { "MergeNoPaths", Array.Empty<string>(), null, AggregationMethod.FedAvg, null, null },
        { "MergeWeightCountMismatch", new[] { "a", "b" }, new[] { 1.0 }, AggregationMethod.FedAvg, null, null },
        { "MergeWeightInvalid", new[] { "a", "b" }, new[] { 1.0, 0.0 }, AggregationMethod.FedAvg, null, null },
        { "MergeWeightInvalid", new[] { "a" }, new[] { double.NaN }, AggregationMethod.FedAvg, null, null },
        { "MergeWeightInvalid", new[] { "a" }, new[] { double.PositiveInfinity }, AggregationMethod.FedAvg, null, null },
        { "MergeTrimFractionNotApplicable", new[] { "a" }, null, AggregationMethod.Median, 0.1, null },
        { "MergeTrimFractionMissing", new[] { "a" }, null, AggregationMethod.TrimmedMean, null, null },
        { "MergeLoraAlphaNotApplicable", new[] { "a" }, null, AggregationMethod.FedAvg, null, 16.0 },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_refused_before_any_file_is_read(string errorId, string[] paths, double[]? weights, AggregationMethod method, double? trim, double? alpha)
    {
        // The paths do not exist: a refusal from the reader would mean the arguments were checked too late.
        var output = Path.Combine(_scratch.FullName, "m.safetensors");
        var error = Assert.Throws<SwarmException>(() => AdapterMerge.Merge(paths, weights, method, output, loraAlpha: alpha, trimFraction: trim));
        Assert.Equal(errorId, error.ErrorId);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_existing_output_is_kept_unless_overwrite_is_asked()
    {
        var input = WriteAdapter("a.safetensors", Tensors(0), TensorDType.F32);
        var output = Path.Combine(_scratch.FullName, "m.safetensors");
        File.WriteAllText(output, "keep");

        Assert.Equal("MergeOutputExists", Assert.Throws<SwarmException>(() => AdapterMerge.Merge(new[] { input }, null, AggregationMethod.FedAvg, output)).ErrorId);
        Assert.Equal("keep", File.ReadAllText(output));

        var receipt = AdapterMerge.Merge(new[] { input }, null, AggregationMethod.FedAvg, output, overwrite: true);
        Assert.Equal(FileSha256(output), receipt.OutputDigest);
    }

    [Fact]
    public void Adapters_that_do_not_fit_together_pass_the_aggregation_refusal_through_and_write_nothing()
    {
        var a = WriteAdapter("a.safetensors", Tensors(0), TensorDType.F32);
        var b = WriteAdapter("b.safetensors", new[] { new AggregationTensor("m.lora_A.weight", new[] { 2, 3 }, new float[6]), Tensors(1)[1], Tensors(1)[2] }, TensorDType.F32);
        var output = Path.Combine(_scratch.FullName, "m.safetensors");

        Assert.Equal("AggregationShapeMismatch", Assert.Throws<SwarmException>(() => AdapterMerge.Merge(new[] { a, b }, null, AggregationMethod.FedAvg, output)).ErrorId);
        Assert.Equal("AggregationContributionDuplicate", Assert.Throws<SwarmException>(() => AdapterMerge.Merge(new[] { a, a }, null, AggregationMethod.FedAvg, output)).ErrorId);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_file_that_is_not_safetensors_gives_the_readers_refusal()
    {
        var junk = Path.Combine(_scratch.FullName, "junk.safetensors");
        File.WriteAllText(junk, "abc");
        var error = Assert.Throws<SwarmException>(() => AdapterMerge.Merge(new[] { junk }, null, AggregationMethod.FedAvg, Path.Combine(_scratch.FullName, "m.safetensors")));
        Assert.Equal("SafetensorsFileTooShort", error.ErrorId);
    }

    // A LoRA pair of rank 2 on a 4-in, 3-out module and a bias, different for each seed.
    private static AggregationTensor[] Tensors(int seed)
    {
        var random = new Random(seed + 1);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return new[]
        {
            new AggregationTensor("m.lora_A.weight", new[] { 2, 4 }, Values(8)),
            new AggregationTensor("m.lora_B.weight", new[] { 3, 2 }, Values(6)),
            new AggregationTensor("m.bias", new[] { 3 }, Values(3)),
        };
    }

    private string WriteAdapter(string name, IEnumerable<AggregationTensor> tensors, TensorDType dtype, string? alpha = null)
    {
        var path = Path.Combine(_scratch.FullName, name);
        var metadata = alpha is null ? null : new Dictionary<string, string> { ["lora_alpha"] = alpha };
        SafetensorsWriter.Write(path, tensors.Select(t => new TensorToWrite(t.Name, dtype, t.Shape.Select(d => (long)d).ToArray(), Encode(t.Data.Span, dtype))), metadata);
        return path;
    }

    private static byte[] Encode(ReadOnlySpan<float> values, TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => MemoryMarshal.AsBytes(values).ToArray(),
        TensorDType.F16 => MemoryMarshal.AsBytes(values.ToArray().Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
        // bfloat16 is the top half of a float32 (the values used here are exact in it).
        TensorDType.BF16 => MemoryMarshal.AsBytes(values.ToArray().Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray().AsSpan()).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static string FileSha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
}
