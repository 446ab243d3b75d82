namespace SwarmPS.Engine.Ledger;

/// <summary>One run as the committed ledger holds it (<c>.swarm/ledger/&lt;id&gt;.json</c>), from any machine.</summary>
public sealed record LedgerEntry
{
    public required string Id { get; init; }

    public required int SchemaVersion { get; init; }

    public required RunStatus Status { get; init; }

    public required string Machine { get; init; }

    /// <summary>The scrubbed statepoint, as compact canonical JSON.</summary>
    public required string Statepoint { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public double? WallSeconds { get; init; }

    public string? CodeCommit { get; init; }

    public bool? CodeDirty { get; init; }

    public IReadOnlyList<string> Experiments { get; init; } = [];

    public TrackerPointer? Tracker { get; init; }

    public DateTimeOffset? PromotedAt { get; init; }

    /// <summary>Repository-relative path of the file, e.g. <c>.swarm/ledger/&lt;id&gt;.json</c>.</summary>
    public required string File { get; init; }
}
