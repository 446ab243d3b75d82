namespace SwarmPS.Engine.Training;

/// <summary>
/// What the training plan says a contribution must satisfy: the base snapshot it started from, the adapter
/// contract, a bound on the size of its update (the Frobenius norm of every module's scaled B·A, together),
/// and how long a contributor may go without a heartbeat before its work needs a replay to be believed.
/// </summary>
public sealed record ValidationRules
{
    public required string BaseSnapshotDigest { get; init; }

    public required AdapterContract Contract { get; init; }

    public required double MaxUpdateNorm { get; init; }

    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMilliseconds(5000);
}
