using System.Buffers.Binary;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

public sealed class FedAvgNumericsTests
{
    // Sizes that cross the kernel's chunk boundary (8192) unevenly, and tiny tensors beside them.
    private static readonly (string, int[])[] Tensors =
    [
        ("model.layers.0.q_proj.lora_A.weight", [3, 8192 * 2 + 17]),
        ("model.layers.0.q_proj.bias", [5]),
        ("model.norm.weight", [1]),
        ("model.layers.1.v_proj.lora_B.weight", [8191, 2]),
    ];

    [Fact]
    public void Matches_numpy_weighted_by_example_count()
    {
        var contributions = SampleContributions.Make(seed: 1, count: 7, Tensors);
        var result = ContributionAggregator.FedAvg(contributions);

        using var numpy = new NumpyReference();
        contributions.ForEach(numpy.AddContribution);
        numpy.AddOutputs(result.Tensors);
        var reference = numpy.Compute("fedavg");
        Assert.Equal(Tensors.Select(t => t.Item1), result.Tensors.Select(t => t.Name));
        foreach (var tensor in result.Tensors)
        {
            NumpyReference.AssertClose(reference, tensor);
            Assert.Equal(reference.Sha256(tensor.Name), result.Receipt.Outputs.Single(o => o.Name == tensor.Name).Sha256);
        }
    }

    [Fact]
    public void Weights_change_the_result_so_an_unweighted_mean_would_fail_the_comparison()
    {
        var contributions = SampleContributions.Make(seed: 2, count: 3, ("w", [64]));
        var equal = contributions.Select(c => new AggregationContribution(c.Id, 1, c.Tensors)).ToList();
        var weighted = ContributionAggregator.FedAvg(contributions).Tensors[0].Data.ToArray();
        var unweighted = ContributionAggregator.FedAvg(equal).Tensors[0].Data.ToArray();
        Assert.True(weighted.Zip(unweighted).Max(p => Math.Abs(p.First - p.Second)) > 1e-2);
    }

    [Fact]
    public void One_thread_and_all_threads_give_the_same_bits()
    {
        var contributions = SampleContributions.Make(seed: 3, count: 5, Tensors);
        var serial = ContributionAggregator.FedAvg(contributions, new AggregationOptions { MaxDegreeOfParallelism = 1 });
        var parallel = ContributionAggregator.FedAvg(contributions, new AggregationOptions { MaxDegreeOfParallelism = 4 });
        Assert.Equal(serial.Receipt.Outputs.Select(o => o.Sha256), parallel.Receipt.Outputs.Select(o => o.Sha256));
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("f16")]
    public void Sixteen_bit_inputs_are_widened_and_accumulated_in_float32(string dtype)
    {
        var random = new Random(dtype == "bf16" ? 4 : 5);
        using var numpy = new NumpyReference();
        var contributions = new List<AggregationContribution>();
        for (var k = 0; k < 4; k++)
        {
            var values = SampleContributions.Normal(random, 10_000, scale: 3);
            var bytes = new byte[2 * values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                ushort bits = dtype == "bf16"
                    ? (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16)
                    : BitConverter.HalfToUInt16Bits((Half)values[i]);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), bits);
            }

            // Values f16 cannot hold as normal numbers, so subnormals and signed zero are crossed too.
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(0), 0x0001);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), 0x8000);
            var shape = new[] { 100, 100 };
            var tensor = dtype == "bf16"
                ? AggregationTensor.FromBFloat16("lora_A", shape, bytes)
                : AggregationTensor.FromFloat16("lora_A", shape, bytes);
            contributions.Add(new AggregationContribution($"c{k}", 10 + 7 * k, [tensor]));
            numpy.AddContribution(10 + 7 * k, [("lora_A", shape, dtype, bytes)]);
        }

        var result = ContributionAggregator.FedAvg(contributions);
        NumpyReference.AssertClose(numpy.Compute("fedavg"), result.Tensors[0]);

        // Accumulating in 16 bits would round every mean to 8 (bf16) or 11 (f16) significant bits; the
        // float32 result holds values between those steps.
        var steps = result.Tensors[0].Data.ToArray().Count(v => dtype == "bf16"
            ? (BitConverter.SingleToUInt32Bits(v) & 0xFFFF) != 0
            : (float)(Half)v != v);
        Assert.True(steps > 5000, $"only {steps} of 10000 merged values carry more precision than {dtype}");
    }

    [Fact]
    public void Widening_is_exact_for_known_bit_patterns()
    {
        var bf16 = AggregationTensor.FromBFloat16("t", [3], [0x80, 0x3f, 0x00, 0xc0, 0x80, 0x7f]);
        Assert.Equal(new[] { 1f, -2f, float.PositiveInfinity }, bf16.Data.ToArray());
        var f16 = AggregationTensor.FromFloat16("t", [3], [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00]);
        Assert.Equal(new[] { 1f, -2f, (float)Math.Pow(2, -24) }, f16.Data.ToArray());
    }

    [Fact]
    public void The_receipt_names_every_input_and_output()
    {
        var contributions = SampleContributions.Make(seed: 6, count: 3, ("a", [2, 3]), ("b", [4]));
        var receipt = ContributionAggregator.FedAvg(contributions).Receipt;
        Assert.Equal(AggregationMethod.FedAvg, receipt.Method);
        Assert.Equal(contributions.Select(c => (c.Id, c.Digest, c.Weight, true)), receipt.Inputs.Select(i => (i.Id, i.Digest, i.Weight, i.WeightUsed)));
        Assert.Equal(new[] { ("a", 24L), ("b", 16L) }, receipt.Outputs.Select(o => (o.Name, o.Bytes)));
        Assert.All(receipt.Outputs, o => Assert.Matches("^[0-9a-f]{64}$", o.Sha256));
        Assert.Null(receipt.AbsoluteError);

        var undigested = ContributionAggregator.FedAvg(contributions, new AggregationOptions { DigestOutputs = false }).Receipt;
        Assert.All(undigested.Outputs, o => Assert.Null(o.Sha256));
    }

    [Fact]
    public void The_tensor_digest_is_sha256_of_little_endian_float32()
    {
        // Pinned from Python: hashlib.sha256(struct.pack('<2f', 1.0, 2.0)).hexdigest()
        Assert.Equal("b9c80b5adeca450753a16950c3cc655d271f7bef7a485bc83f112b72fef21d37", TensorDigest.Sha256([1f, 2f]));
        using var numpy = new NumpyReference();
        var tensor = new AggregationTensor("t", [2], new[] { 1f, 2f });
        numpy.AddContribution(1, [("t", [2], "f32", NumpyReference.Float32Bytes([1f, 2f]))]);
        numpy.AddOutputs([tensor]);
        Assert.Equal(numpy.Compute("fedavg").Sha256("t"), TensorDigest.Sha256([1f, 2f]));
    }

    [Fact]
    public void The_kernel_reports_the_first_non_finite_value()
    {
        var a = new float[20_000];
        var b = new float[20_000];
        b[15_000] = float.NaN;
        b[19_000] = float.PositiveInfinity;
        var destination = new float[20_000];
        Assert.Equal(15_000, FedAvgKernel.WeightedSum([a, b], [0.5f, 0.5f], destination));
        b[15_000] = 0;
        Assert.Equal(19_000, FedAvgKernel.WeightedSum([a, b], [0.5f, 0.5f], destination));
        b[19_000] = 0;
        Assert.Equal(-1, FedAvgKernel.WeightedSum([a, b], [0.5f, 0.5f], destination));
    }
}
