using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// A replay compared with the contribution it checks: the same bytes are Bitwise; values a little apart
/// are WithinTolerance, and the largest relative difference reported is the one computed here; beyond the
/// tolerance, or another tensor set or shape, is Outside naming the tensor.
/// </summary>
public sealed class ReplayComparisonTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-replay-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_same_training_again_is_Bitwise()
    {
        var contributed = Verdict(LoraSamples.Factors());
        var (replayed, _) = LoraSamples.Write(_directory, LoraSamples.Factors());

        var receipt = ReplayComparison.Compare(contributed, replayed, "dotnet.cpu", 1e-6);

        Assert.Equal(ReplayMatch.Bitwise, receipt.Match);
        Assert.Equal(0, receipt.MaxRelativeDifference);
        Assert.True(receipt.Confirmed);
        Assert.True(receipt.SameBackend);
        Assert.Equal(contributed.AdapterDigest, receipt.ContributedDigest);
        Assert.StartsWith("sha256:", receipt.ReplayedDigest, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_apart_within_the_tolerance_match_and_the_largest_relative_difference_is_reported()
    {
        var factors = LoraSamples.Factors();
        var nudged = LoraSamples.Factors();
        const string name = "model.lm_head.lora_B.weight";
        nudged[name][2] += 1e-4f;
        var largest = factors[name].Max(v => Math.Abs((double)v));
        var expected = Math.Abs((double)nudged[name][2] - factors[name][2]) / largest;
        var contributed = Verdict(factors);
        var (replayed, _) = LoraSamples.Write(_directory, nudged);

        var within = ReplayComparison.Compare(contributed, replayed, "pytorch.cpu", expected * 1.01);
        var outside = ReplayComparison.Compare(contributed, replayed, "pytorch.cpu", expected * 0.99);

        Assert.Equal(ReplayMatch.WithinTolerance, within.Match);
        Assert.Equal(expected, within.MaxRelativeDifference, 12);
        Assert.False(within.SameBackend);
        Assert.Equal(ReplayMatch.Outside, outside.Match);
        Assert.False(outside.Confirmed);
        Assert.StartsWith(name + " differs by", Assert.Single(outside.Differences), StringComparison.Ordinal);
    }

    [Fact]
    public void A_replay_with_other_tensors_or_shapes_is_Outside_naming_each()
    {
        var contributed = Verdict(LoraSamples.Factors());
        var other = LoraSamples.Factors();
        other.Remove("model.q_proj.lora_A.weight");
        other["model.extra.lora_A.weight"] = new float[LoraSamples.Rank * LoraSamples.In];
        other["model.lm_head.lora_B.weight"] = new float[LoraSamples.Out * 1];
        var (replayed, _) = LoraSamples.Write(_directory, other);

        var receipt = ReplayComparison.Compare(contributed, replayed, "dotnet.cpu", 1e-3);

        Assert.Equal(ReplayMatch.Outside, receipt.Match);
        Assert.Contains("model.extra.lora_A.weight is only in the replay", receipt.Differences);
        Assert.Contains("model.q_proj.lora_A.weight is missing from the replay", receipt.Differences);
        Assert.Contains("model.lm_head.lora_B.weight is [3, 2] contributed and [3, 1] replayed", receipt.Differences);
    }

    [Fact]
    public void A_non_finite_replayed_value_never_matches()
    {
        var contributed = Verdict(LoraSamples.Factors());
        var broken = LoraSamples.Factors();
        broken["model.q_proj.lora_B.weight"][0] = float.NaN;
        var (replayed, _) = LoraSamples.Write(_directory, broken);

        var receipt = ReplayComparison.Compare(contributed, replayed, "dotnet.cpu", 1e9);

        Assert.Equal(ReplayMatch.Outside, receipt.Match);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_tolerance_that_is_not_a_positive_number_is_refused(double tolerance)
    {
        var contributed = Verdict(LoraSamples.Factors());

        var error = Assert.Throws<SwarmException>(() => ReplayComparison.Compare(contributed, contributed.AdapterPath, "dotnet.cpu", tolerance));

        Assert.Equal("ReplayToleranceInvalid", error.ErrorId);
    }

    private ContributionVerdict Verdict(Dictionary<string, float[]> factors)
    {
        var (path, manifest) = LoraSamples.Write(_directory, factors);
        return ContributionValidator.Validate(manifest, path, null, LoraSamples.Plan().ValidationRules);
    }
}
