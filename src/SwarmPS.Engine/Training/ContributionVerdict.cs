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
    /// <summary>The training backend the contributor reported (<c>dotnet.cpu</c>, <c>pytorch.cpu</c>).</summary>
    public string Backend { get; init; } = "";

    /// <summary>The adapter file that was checked, for the merge that follows.</summary>
    public string AdapterPath { get; init; } = "";

    /// <summary><c>sha256:&lt;hex&gt;</c> of the adapter file's bytes as checked.</summary>
    public string AdapterDigest { get; init; } = "";

    /// <summary>The manifest's example count: FedAvg's weight.</summary>
    public long ExampleCount { get; init; }

    /// <summary>True when a replay ran and matched within the plan's tolerance.</summary>
    public bool ReplayChecked { get; init; }

    public IReadOnlyList<string> Reasons => Checks.Where(check => !check.Passed).Select(check => check.Detail).ToList();
}
