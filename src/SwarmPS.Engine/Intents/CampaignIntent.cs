namespace SwarmPS.Engine.Intents;

/// <summary>
/// What a campaign set out to do, written next to its task set before it runs (docs/intents.md): the goal,
/// the task set (its generator and fingerprint), the budget and abort conditions, the target site, notes
/// and provenance. Find-SwarmIntent reads these back to say what past campaigns of a kind took.
/// </summary>
public sealed record CampaignIntent
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Name { get; init; }

    public required string Goal { get; init; }

    /// <summary>A short label to query by (train, eval, ablation); null when not given.</summary>
    public string? TaskKind { get; init; }

    public required long TaskCount { get; init; }

    /// <summary>SHA-256 of the task set's generating form (<see cref="Scheduler.TaskSet.Fingerprint"/>).</summary>
    public required string TaskSetFingerprint { get; init; }

    public required IntentGenerator Generator { get; init; }

    /// <summary>The argv every task runs, as given to Submit-SwarmJob; the link to the ledger's runs. Empty when not given.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyList<IntentBudget> Budget { get; init; } = [];

    public IReadOnlyList<string> AbortWhen { get; init; } = [];

    public string? Site { get; init; }

    public string? Notes { get; init; }

    public required IntentProvenance Provenance { get; init; }

    /// <summary>The file this intent was read from or written to (full path); not stored in the file.</summary>
    public string? Path { get; init; }
}
