namespace SwarmPS.Engine.Training;

/// <summary>How a replayed adapter compared with the contributed one.</summary>
public enum ReplayMatch
{
    /// <summary>Every tensor's bytes are the same.</summary>
    Bitwise,

    /// <summary>Not the same bytes, but every value within the plan's tolerance.</summary>
    WithinTolerance,

    /// <summary>Some value differs by more than the tolerance, or the tensors differ in name, shape or dtype.</summary>
    Outside,
}

/// <summary>
/// One replay: the contribution's adapter against the adapter the validator trained again with the same
/// seed, shard and steps. <see cref="MaxRelativeDifference"/> is the largest, over tensors, of
/// max|contributed − replayed| / max|contributed| (0 when bitwise); <see cref="SameBackend"/> says whether
/// like was compared with like, since across numerical stacks only the tolerance can hold.
/// </summary>
public sealed record ReplayReceipt(
    string RunId,
    string Contributor,
    string ContributedDigest,
    string ReplayedDigest,
    string ContributedBackend,
    string ReplayBackend,
    ReplayMatch Match,
    double MaxRelativeDifference,
    double Tolerance,
    IReadOnlyList<string> Differences)
{
    public bool SameBackend => ContributedBackend == ReplayBackend;

    /// <summary>True when the replay confirms the contribution.</summary>
    public bool Confirmed => Match != ReplayMatch.Outside;
}
