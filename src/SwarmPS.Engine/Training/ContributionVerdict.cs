namespace SwarmPS.Engine.Training;

/// <summary>What validation concluded of one contribution.</summary>
public enum VerdictKind
{
    Accepted,

    /// <summary>Evidence against it: a digest that disagrees, an adapter outside the contract, non-finite values, an update too large, another base.</summary>
    Rejected,

    /// <summary>Nothing against it, but it is believed only after a replay (asked for, sampled, or stale heartbeats).</summary>
    ReplayRequired,
}

/// <summary>One check of a contribution and what it found.</summary>
public sealed record ContributionCheck(string Name, bool Passed, string Detail);

/// <summary>
/// The verdict on one contribution with every check that was run, passed or not, so a reviewer sees what
/// was established and not only what failed. <see cref="Reasons"/> are the details of the failed checks.
/// </summary>
public sealed record ContributionVerdict(string RunId, string Contributor, string ManifestDigest, VerdictKind Verdict, IReadOnlyList<ContributionCheck> Checks)
{
    public IReadOnlyList<string> Reasons => Checks.Where(check => !check.Passed).Select(check => check.Detail).ToList();
}
