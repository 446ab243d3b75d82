using System.Globalization;

namespace SwarmPS.Engine.Training;

/// <summary>
/// What a replay does to a verdict. A confirming replay (Bitwise or within the tolerance) is the evidence a
/// ReplayRequired contribution was waiting for: the <c>replay</c> check passes, stale heartbeats are
/// forgiven (the work was redone and agrees), and with nothing else against it the contribution is
/// Accepted and counted as replay-checked. A replay that disagrees is evidence against it: Rejected.
/// A Rejected verdict stays Rejected; a replay never outweighs a digest or contract failure.
/// </summary>
public static class ReplayVerdict
{
    public const string ReplayCheck = "replay";

    public const string HeartbeatCheck = "heartbeats";

    public static ContributionVerdict Apply(ContributionVerdict verdict, ReplayReceipt replay)
    {
        if (replay.ContributedDigest != verdict.AdapterDigest)
        {
            throw new SwarmException("ReplayOfAnotherAdapter",
                $"The replay of {verdict.Contributor} compared adapter {replay.ContributedDigest}, but the contribution's adapter is {verdict.AdapterDigest}.",
                "Replay the adapter the contribution holds now (the contribution was sent again after the replay).",
                SwarmErrorCategory.InvalidData, verdict.Contributor);
        }

        var checks = verdict.Checks.Where(check => check.Name != ReplayCheck).ToList();
        if (replay.Confirmed)
        {
            var index = checks.FindIndex(check => check.Name == HeartbeatCheck);
            if (index >= 0 && !checks[index].Passed)
            {
                checks[index] = checks[index] with { Passed = true, Detail = checks[index].Detail + "; the replay confirmed the work" };
            }
        }

        checks.Add(new ContributionCheck(ReplayCheck, replay.Confirmed, Describe(replay)));
        var rejected = verdict.Verdict == VerdictKind.Rejected || !replay.Confirmed;
        var outcome = rejected ? VerdictKind.Rejected : checks.All(check => check.Passed) ? VerdictKind.Accepted : VerdictKind.ReplayRequired;
        return verdict with { Verdict = outcome, Checks = checks, ReplayChecked = replay.Confirmed && !rejected };
    }

    private static string Describe(ReplayReceipt replay)
    {
        var where = replay.SameBackend ? $"on the same backend ({replay.ReplayBackend})" : $"on {replay.ReplayBackend}, the contribution was trained on {replay.ContributedBackend}";
        return replay.Match switch
        {
            ReplayMatch.Bitwise => $"replayed {where}: bitwise the same",
            ReplayMatch.WithinTolerance => string.Create(CultureInfo.InvariantCulture,
                $"replayed {where}: within the tolerance {replay.Tolerance:G4} (largest relative difference {replay.MaxRelativeDifference:G4})"),
            _ => $"replayed {where}: it disagrees: {string.Join("; ", replay.Differences.Take(5))}",
        };
    }
}
