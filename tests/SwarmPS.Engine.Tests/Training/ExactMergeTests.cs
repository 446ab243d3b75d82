using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

public sealed class ExactMergeTests
{
    private const string QA = "base_model.model.layers.0.q_proj.lora_A.weight";
    private const string QB = "base_model.model.layers.0.q_proj.lora_B.weight";
    private const string VA = "base_model.model.layers.0.v_proj.lora_A.default.weight";
    private const string VB = "base_model.model.layers.0.v_proj.lora_B.default.weight";

    [Fact]
    public void Matches_numpy_svd_of_the_weighted_mean_of_the_updates()
    {
        // Two pairs of different shapes and ranks, and a bias that is merged by FedAvg.
        var contributions = SampleContributions.Make(seed: 11, count: 5,
            (QA, [4, 48]), (QB, [40, 4]), (VA, [2, 30]), (VB, [50, 2]), ("base_model.model.layers.0.q_proj.bias", [40]));
        var result = ContributionAggregator.Exact(contributions, loraAlpha: 8);

        using var numpy = new NumpyReference();
        contributions.ForEach(numpy.AddContribution);
        numpy.AddOutputs(result.Tensors);
        var reference = numpy.Compute("exact", alpha: 8);

        foreach (var (a, b, rank) in new[] { (QA, QB, 4), (VA, VB, 2) })
        {
            var meanNorm = reference.Pair(a, "mean_norm");
            var approximation = result.Receipt.Approximations.Single(x => x.LoraA == a);
            Assert.Equal((b, rank, 8.0 / rank), (approximation.LoraB, approximation.Rank, approximation.Scale));

            // The factors are unique only up to sign and rotation within equal singular values, so the
            // comparison is of the product: scale·B'·A' against numpy's best rank-r approximation. Float32
            // factors carry ~6e-8 relative rounding each; 1e-6 of ‖mean ΔW‖ leaves a margin of ten.
            Assert.True(reference.Pair(a, "distance_to_best") <= 1e-6 * meanNorm,
                $"{a}: product is {reference.Pair(a, "distance_to_best"):E3} from numpy's rank-{rank} SVD (‖ΔW‖ {meanNorm:E3})");

            // The reported error is the error of the returned factors, as numpy measures it directly,
            // and is the Eckart–Young optimum (numpy's truncation error) up to the same rounding.
            Assert.Equal(reference.Pair(a, "our_error"), approximation.AbsoluteError, 1e-6 * meanNorm);
            Assert.Equal(reference.Pair(a, "optimal_error"), approximation.AbsoluteError, 1e-6 * meanNorm);
            Assert.Equal(meanNorm, approximation.MeanNorm, 1e-9 * meanNorm);
            Assert.Equal(approximation.AbsoluteError / meanNorm, approximation.RelativeError, 1e-12);
            Assert.True(approximation.RelativeError > 0.05, "five random rank-r updates do not fit in rank r; the test would not show truncation");

            // Naive averaging of A and B separately is further from the mean update (here by a third or
            // more; Eckart–Young says no rank-r matrix can do better than the truncated SVD).
            Assert.True(reference.Pair(a, "naive_error") > 1.2 * approximation.AbsoluteError,
                $"naive {reference.Pair(a, "naive_error"):E3}, exact {approximation.AbsoluteError:E3}, ‖ΔW‖ {meanNorm:E3}");
        }

        NumpyReference.AssertClose(reference, result.Tensors.Single(t => t.Name.EndsWith(".bias", StringComparison.Ordinal)));
        var combined = Math.Sqrt(result.Receipt.Approximations.Sum(x => x.AbsoluteError * x.AbsoluteError));
        Assert.Equal(combined, result.Receipt.AbsoluteError!.Value, 1e-12);
        Assert.InRange(result.Receipt.RelativeError!.Value, 0.05, 1);
        Assert.Equal(AggregationMethod.Exact, result.Receipt.Method);
    }

    [Fact]
    public void Updates_that_share_a_rank_r_subspace_are_merged_without_error()
    {
        // Every contributor's B·A lies in the span of the same B, so the mean has rank r and the
        // truncation loses nothing: the error is only the float32 rounding of the factors.
        var random = new Random(12);
        var shared = SampleContributions.Normal(random, 30 * 3);
        var contributions = Enumerable.Range(0, 4).Select(k => new AggregationContribution(
            $"c{k}", 1 + k, [new AggregationTensor("m.lora_A", [3, 20], SampleContributions.Normal(random, 60)), new AggregationTensor("m.lora_B", [30, 3], shared)])).ToList();
        var result = ContributionAggregator.Exact(contributions, loraAlpha: 6);
        using var numpy = new NumpyReference();
        contributions.ForEach(numpy.AddContribution);
        numpy.AddOutputs(result.Tensors);
        var reference = numpy.Compute("exact", alpha: 6);
        var approximation = Assert.Single(result.Receipt.Approximations);
        Assert.True(approximation.RelativeError < 1e-6, $"relative error {approximation.RelativeError:E3}");
        Assert.True(reference.Pair("m.lora_A", "our_error") < 1e-6 * reference.Pair("m.lora_A", "mean_norm"));
    }

    [Fact]
    public void Refuses_a_pair_whose_ranks_differ()
    {
        var contributions = SampleContributions.Make(seed: 13, count: 2, ("m.lora_A", [4, 10]), ("m.lora_B", [12, 3]));
        var error = Assert.Throws<SwarmException>(() => ContributionAggregator.Exact(contributions, 8));
        Assert.Equal("AggregationLoraRankMismatch", error.ErrorId);
        Assert.Contains("rank 4", error.Message);
        Assert.Contains("rank 3", error.Message);
        Assert.Contains("m.lora_B", error.Message);
    }

    [Theory]
    [InlineData("m.lora_A", "m.lora_B")]
    [InlineData("m.lora_B", "m.lora_A")]
    public void Refuses_half_a_pair(string present, string missing)
    {
        var contributions = SampleContributions.Make(seed: 14, count: 2, (present, [4, 4]), ("n.lora_A", [2, 4]), ("n.lora_B", [4, 2]));
        var error = Assert.Throws<SwarmException>(() => ContributionAggregator.Exact(contributions, 8));
        Assert.Equal("AggregationLoraPairIncomplete", error.ErrorId);
        Assert.Contains($"'{missing}'", error.Message);
    }

    [Fact]
    public void Refuses_factors_that_are_not_matrices()
    {
        var contributions = SampleContributions.Make(seed: 15, count: 2, ("m.lora_A", [4, 4, 2]), ("m.lora_B", [4, 4]));
        Assert.Equal("AggregationLoraShapeInvalid", Assert.Throws<SwarmException>(() => ContributionAggregator.Exact(contributions, 8)).ErrorId);
    }

    [Fact]
    public void Refuses_an_adapter_without_lora_pairs()
    {
        var contributions = SampleContributions.Make(seed: 16, count: 2, ("m.weight", [4, 4]));
        Assert.Equal("AggregationNoLoraPairs", Assert.Throws<SwarmException>(() => ContributionAggregator.Exact(contributions, 8)).ErrorId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-16)]
    [InlineData(double.NaN)]
    public void Refuses_an_alpha_that_is_not_positive(double alpha)
    {
        var contributions = SampleContributions.Make(seed: 17, count: 2, ("m.lora_A", [2, 4]), ("m.lora_B", [4, 2]));
        Assert.Equal("AggregationLoraAlphaInvalid", Assert.Throws<SwarmException>(() => ContributionAggregator.Exact(contributions, alpha)).ErrorId);
        Assert.Equal("AggregationLoraAlphaInvalid", Assert.Throws<SwarmException>(() => ContributionAggregator.Merge(AggregationMethod.Exact, contributions)).ErrorId);
    }
}
