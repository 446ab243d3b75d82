namespace SwarmPS.Engine.Training;

/// <summary>
/// What the training plan demands before a merged adapter may be published: enough accepted contributions,
/// enough of them checked by replay, a validator summary without findings, and a held-out loss of the
/// merged adapter better than the base's by at least <see cref="MinimumLossImprovement"/> (absolute).
/// </summary>
public sealed record PublicationGates
{
    public int MinimumAccepted { get; init; } = 2;

    public int MinimumReplayChecked { get; init; } = 1;

    /// <summary>Base held-out loss minus merged held-out loss must be at least this (0 means "not worse").</summary>
    public double MinimumLossImprovement { get; init; } = 0.0;
}
