using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Every input the aggregation refuses, for every method that could meet it.</summary>
public sealed class AggregationRefusalTests
{
    public static TheoryData<string> Methods => new() { "FedAvg", "Exact", "TrimmedMean", "Median" };

    private static AggregationResult Run(string method, IReadOnlyList<AggregationContribution> contributions) =>
        ContributionAggregator.Merge(Enum.Parse<AggregationMethod>(method), contributions, loraAlpha: 16, trimFraction: 0.2);

    private static List<AggregationContribution> Pairs(int seed = 50, int count = 4) =>
        SampleContributions.Make(seed, count, ("m.lora_A", [2, 9000]), ("m.lora_B", [6, 2]), ("m.bias", [6]));

    [Theory]
    [MemberData(nameof(Methods))]
    public void Refuses_no_inputs(string method)
    {
        Assert.Equal("AggregationNoInputs", Assert.Throws<SwarmException>(() => Run(method, [])).ErrorId);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Refuses_a_shape_that_differs_naming_the_tensor_and_both_shapes(string method)
    {
        var contributions = Pairs();
        contributions[2] = new AggregationContribution("site-2", 5, contributions[2].Tensors.Select(t =>
            t.Name == "m.bias" ? new AggregationTensor("m.bias", [2, 3], t.Data) : t).ToList());
        var error = Assert.Throws<SwarmException>(() => Run(method, contributions));
        Assert.Equal("AggregationShapeMismatch", error.ErrorId);
        Assert.Equal("m.bias", error.Target);
        Assert.Contains("'m.bias' has the shape [6] in contribution 'site-0' but [2, 3] in contribution 'site-2'", error.Message);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Refuses_a_tensor_missing_from_either_side(string method)
    {
        var contributions = Pairs();
        var lacking = contributions.ToList();
        lacking[1] = new AggregationContribution("site-1", 5, lacking[1].Tensors.Where(t => t.Name != "m.bias").ToList());
        var error = Assert.Throws<SwarmException>(() => Run(method, lacking));
        Assert.Equal("AggregationTensorMissing", error.ErrorId);
        Assert.Contains("'m.bias' is in contribution 'site-0' but not in contribution 'site-1'", error.Message);

        var extra = contributions.ToList();
        extra[3] = new AggregationContribution("site-3", 5, extra[3].Tensors.Append(new AggregationTensor("m.extra", [1], new[] { 1f })).ToList());
        error = Assert.Throws<SwarmException>(() => Run(method, extra));
        Assert.Equal("AggregationTensorMissing", error.ErrorId);
        Assert.Contains("'m.extra' is in contribution 'site-3' but not in contribution 'site-0'", error.Message);
    }

    [Theory]
    [InlineData("FedAvg", 0)]
    [InlineData("FedAvg", -3)]
    [InlineData("Exact", double.NaN)]
    [InlineData("TrimmedMean", double.PositiveInfinity)]
    [InlineData("Median", 0)]
    public void Refuses_a_weight_that_is_not_a_positive_count(string method, double weight)
    {
        var contributions = Pairs();
        contributions[1] = new AggregationContribution("site-1", weight, contributions[1].Tensors);
        var error = Assert.Throws<SwarmException>(() => Run(method, contributions));
        Assert.Equal("AggregationWeightInvalid", error.ErrorId);
        Assert.Equal("site-1", error.Target);
    }

    [Theory]
    [InlineData("FedAvg", float.NaN)]
    [InlineData("FedAvg", float.PositiveInfinity)]
    [InlineData("FedAvg", float.NegativeInfinity)]
    [InlineData("Exact", float.NaN)]
    [InlineData("TrimmedMean", float.PositiveInfinity)]
    [InlineData("Median", float.NaN)]
    public void Refuses_NaN_and_infinity_naming_the_contribution_tensor_and_index(string method, float value)
    {
        var contributions = Pairs();
        // Past the first chunk (8192 values) and in the last contributor, so locating it is tested too.
        contributions[3] = SampleContributions.With(contributions[3], "m.lora_A", data => { data[17_000] = value; return data; });
        var error = Assert.Throws<SwarmException>(() => Run(method, contributions));
        Assert.Equal("AggregationValueNotFinite", error.ErrorId);
        Assert.Equal("site-3", error.Target);
        Assert.Contains("'m.lora_A' of contribution 'site-3'", error.Message);
        Assert.Contains("at index 17000", error.Message);
    }

    [Fact]
    public void Refuses_the_same_contribution_twice()
    {
        var contributions = Pairs();
        contributions.Add(contributions[0]);
        Assert.Equal("AggregationContributionDuplicate", Assert.Throws<SwarmException>(() => ContributionAggregator.FedAvg(contributions)).ErrorId);
    }

    [Fact]
    public void Refuses_a_tensor_given_twice_in_one_contribution()
    {
        var contributions = Pairs();
        contributions[0] = new AggregationContribution("site-0", 5, contributions[0].Tensors.Append(contributions[0].Tensors[2]).ToList());
        var error = Assert.Throws<SwarmException>(() => ContributionAggregator.FedAvg(contributions));
        Assert.Equal("AggregationTensorDuplicate", error.ErrorId);
        Assert.Contains("'m.bias' twice", error.Message);
    }

    [Fact]
    public void Refuses_tensors_whose_data_does_not_fill_the_shape()
    {
        Assert.Equal("AggregationTensorSizeMismatch", Assert.Throws<SwarmException>(() => new AggregationTensor("t", [2, 3], new float[5])).ErrorId);
        Assert.Equal("AggregationTensorSizeMismatch", Assert.Throws<SwarmException>(() => new AggregationTensor("t", [-1, 3], new float[3])).ErrorId);
        Assert.Equal("AggregationTensorSizeMismatch", Assert.Throws<SwarmException>(() => AggregationTensor.FromBFloat16("t", [1], new byte[3])).ErrorId);
        Assert.Equal("AggregationTensorSizeMismatch", Assert.Throws<SwarmException>(() => AggregationTensor.FromFloat16("t", [2], new byte[2])).ErrorId);
    }

    [Fact]
    public void Refuses_unnamed_tensors_and_contributions()
    {
        Assert.Equal("AggregationTensorNameMissing", Assert.Throws<SwarmException>(() => new AggregationTensor(" ", [1], new float[1])).ErrorId);
        Assert.Equal("AggregationContributionIdMissing", Assert.Throws<SwarmException>(() => new AggregationContribution("", 1, [])).ErrorId);
    }

    [Fact]
    public void An_overflowing_sum_is_refused_although_every_input_is_finite()
    {
        // 1/10 rounds up in float32 (0.1 + 1.5e-9), and the nine additions round up too: ten times
        // MaxValue·0.1 lands past MaxValue (numpy's float32 gives inf for the same sum).
        var big = new AggregationTensor("w", [1], new[] { float.MaxValue });
        var contributions = Enumerable.Range(0, 10).Select(k => new AggregationContribution($"c{k}", 1, [big])).ToList();
        var error = Assert.Throws<SwarmException>(() => ContributionAggregator.FedAvg(contributions));
        Assert.Equal("AggregationValueNotFinite", error.ErrorId);
        Assert.Contains("overflowed", error.Message);
    }
}
