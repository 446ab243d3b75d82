using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

public sealed class RobustMergeTests
{
    private static readonly (string, int[])[] Tensors = [("m.lora_A", [4, 5000]), ("m.lora_B", [7])];

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Median_matches_numpy(int count)
    {
        var contributions = SampleContributions.Make(seed: 20 + count, count, Tensors);
        var result = ContributionAggregator.Median(contributions);
        using var numpy = new NumpyReference();
        contributions.ForEach(numpy.AddContribution);
        var reference = numpy.Compute("median");
        foreach (var tensor in result.Tensors)
        {
            NumpyReference.AssertClose(reference, tensor);
        }

        Assert.All(result.Receipt.Inputs, input => Assert.False(input.WeightUsed));
    }

    [Theory]
    [InlineData(5, 0.2)]
    [InlineData(8, 0.3)]
    [InlineData(4, 0.1)]
    public void TrimmedMean_matches_numpy(int count, double fraction)
    {
        var contributions = SampleContributions.Make(seed: 30 + count, count, Tensors);
        var result = ContributionAggregator.TrimmedMean(contributions, fraction);
        using var numpy = new NumpyReference();
        contributions.ForEach(numpy.AddContribution);
        var reference = numpy.Compute("trimmed", trim: fraction);
        foreach (var tensor in result.Tensors)
        {
            NumpyReference.AssertClose(reference, tensor);
        }

        Assert.Equal(fraction, result.Receipt.TrimFraction);
        Assert.Equal((int)Math.Floor(fraction * count), result.Receipt.TrimmedPerSide);
    }

    [Fact]
    public void One_bad_contributor_moves_FedAvg_but_not_Median_or_TrimmedMean()
    {
        var honest = SampleContributions.Make(seed: 40, count: 5, ("w", [1000]));
        // The attacker claims a large example count too; the robust methods ignore weights.
        var bad = new AggregationContribution("attacker", 100_000, [new AggregationTensor("w", [1000], Enumerable.Repeat(1e6f, 1000).ToArray())]);
        var all = honest.Append(bad).ToList();
        var honestMax = honest.Max(c => c.Tensors[0].Data.ToArray().Max(Math.Abs));

        var fedAvg = ContributionAggregator.FedAvg(all).Tensors[0].Data.ToArray();
        var median = ContributionAggregator.Median(all).Tensors[0].Data.ToArray();
        var trimmed = ContributionAggregator.TrimmedMean(all, 0.2).Tensors[0].Data.ToArray();

        Assert.True(fedAvg.Min() > 1e5, "FedAvg follows the attacker");
        Assert.True(median.Max(Math.Abs) <= honestMax, "the median stays within the honest values");
        Assert.True(trimmed.Max(Math.Abs) <= honestMax, "the trimmed mean stays within the honest values");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuses_a_trim_fraction_out_of_range(double fraction)
    {
        var contributions = SampleContributions.Make(seed: 41, count: 4, ("w", [3]));
        var error = Assert.Throws<SwarmException>(() => ContributionAggregator.TrimmedMean(contributions, fraction));
        Assert.Equal("AggregationTrimFractionInvalid", error.ErrorId);
        Assert.Contains("below 0.5", error.Message);
    }

    [Fact]
    public void Merge_requires_a_trim_fraction_for_TrimmedMean()
    {
        var contributions = SampleContributions.Make(seed: 42, count: 4, ("w", [3]));
        Assert.Equal("AggregationTrimFractionInvalid",
            Assert.Throws<SwarmException>(() => ContributionAggregator.Merge(AggregationMethod.TrimmedMean, contributions)).ErrorId);
        Assert.Equal(AggregationMethod.Median, ContributionAggregator.Merge(AggregationMethod.Median, contributions).Receipt.Method);
    }
}
