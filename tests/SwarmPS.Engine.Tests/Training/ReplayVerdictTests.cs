using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// A replay applied to real verdicts: a confirming replay turns a required replay and stale heartbeats into
/// Accepted and replay-checked; a disagreeing one is Rejected; a Rejected verdict stays Rejected; a replay
/// of another adapter is refused.
/// </summary>
public sealed class ReplayVerdictTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-replay-verdict-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_confirming_replay_accepts_a_contribution_that_waited_for_it_and_counts_it_as_replay_checked()
    {
        var verdict = Verdict(replayRequired: true);
        Assert.Equal(VerdictKind.ReplayRequired, verdict.Verdict);

        var replayed = ReplayVerdict.Apply(verdict, Replay(verdict, LoraSamples.Factors()));

        Assert.Equal(VerdictKind.Accepted, replayed.Verdict);
        Assert.True(replayed.ReplayChecked);
        var check = Assert.Single(replayed.Checks, c => c.Name == "replay");
        Assert.True(check.Passed);
        Assert.Equal("replayed on the same backend (dotnet.cpu): bitwise the same", check.Detail);
        Assert.All(replayed.Checks, c => Assert.True(c.Passed, c.Detail));
    }

    [Fact]
    public void A_confirming_replay_forgives_stale_heartbeats()
    {
        var verdict = Verdict(staleHeartbeats: true);
        Assert.Equal(VerdictKind.ReplayRequired, verdict.Verdict);

        var replayed = ReplayVerdict.Apply(verdict, Replay(verdict, LoraSamples.Factors()));

        Assert.Equal(VerdictKind.Accepted, replayed.Verdict);
        var heartbeats = Assert.Single(replayed.Checks, c => c.Name == "heartbeats");
        Assert.True(heartbeats.Passed);
        Assert.EndsWith("; the replay confirmed the work", heartbeats.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replay_that_disagrees_rejects_the_contribution()
    {
        var verdict = Verdict(replayRequired: true);

        var replayed = ReplayVerdict.Apply(verdict, Replay(verdict, LoraSamples.Factors(seed: 99)));

        Assert.Equal(VerdictKind.Rejected, replayed.Verdict);
        Assert.False(replayed.ReplayChecked);
        Assert.StartsWith("replayed on the same backend (dotnet.cpu): it disagrees: ", Assert.Single(replayed.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejected_contribution_stays_rejected_whatever_the_replay_says()
    {
        var (path, manifest) = LoraSamples.Write(_directory, LoraSamples.Factors());
        var verdict = ContributionValidator.Validate(manifest with { BaseSnapshotDigest = "sha256:" + new string('0', 64) }, path, null, LoraSamples.Plan().ValidationRules);
        Assert.Equal(VerdictKind.Rejected, verdict.Verdict);

        var replayed = ReplayVerdict.Apply(verdict, Replay(verdict, LoraSamples.Factors()));

        Assert.Equal(VerdictKind.Rejected, replayed.Verdict);
        Assert.False(replayed.ReplayChecked);
    }

    [Fact]
    public void A_replay_of_another_adapter_is_refused()
    {
        var verdict = Verdict(replayRequired: true);
        var receipt = Replay(verdict, LoraSamples.Factors()) with { ContributedDigest = "sha256:" + new string('1', 64) };

        var error = Assert.Throws<SwarmException>(() => ReplayVerdict.Apply(verdict, receipt));

        Assert.Equal("ReplayOfAnotherAdapter", error.ErrorId);
    }

    private ContributionVerdict Verdict(bool replayRequired = false, bool staleHeartbeats = false)
    {
        var (path, manifest) = LoraSamples.Write(_directory, LoraSamples.Factors());
        if (staleHeartbeats)
        {
            manifest = manifest with { HeartbeatCount = 1, EndedAt = manifest.StartedAt.AddMinutes(1) };
        }

        return ContributionValidator.Validate(manifest, path, manifest.AdapterDigest, LoraSamples.Plan().ValidationRules, replayRequired);
    }

    private ReplayReceipt Replay(ContributionVerdict verdict, Dictionary<string, float[]> factors)
    {
        var (replayed, _) = LoraSamples.Write(_directory, factors);
        return ReplayComparison.Compare(verdict, replayed, "dotnet.cpu", 1e-6);
    }
}
