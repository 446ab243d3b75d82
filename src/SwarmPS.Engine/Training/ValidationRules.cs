namespace SwarmPS.Engine.Training;

/// <summary>
/// What the training plan says a contribution must satisfy: the base snapshot it started from, the adapter
/// contract, a bound on the size of its update (the Frobenius norm of every module's scaled B·A, together),
/// how long a contributor may go without a heartbeat before its work needs a replay to be believed, and the
/// plan's own digest, which every trainer of docs/trainer-contract.md writes into the adapter it trains.
/// </summary>
public sealed record ValidationRules
{
    public required string BaseSnapshotDigest { get; init; }

    public required AdapterContract Contract { get; init; }

    public required double MaxUpdateNorm { get; init; }

    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMilliseconds(5000);

    /// <summary>The plan's digest: an adapter whose metadata names another plan (<c>swarmps_plan_digest</c>) drifted from the run's contract.</summary>
    public string? PlanDigest { get; init; }
}
