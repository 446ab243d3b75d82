namespace SwarmPS.Engine.Training;

/// <summary>
/// What a publication decision is taken on, all of it from recorded verdicts and measurements: how many
/// contributions were accepted and how many of those were replay-checked, the validator's findings that
/// still stand, and the held-out loss of the base and of the merged adapter (null when not measured).
/// </summary>
public sealed record PublicationEvidence
{
    public required int Accepted { get; init; }

    public required int ReplayChecked { get; init; }

    public IReadOnlyList<string> ValidatorFindings { get; init; } = Array.Empty<string>();

    public double? BaseHeldOutLoss { get; init; }

    public double? MergedHeldOutLoss { get; init; }
}
