namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What every record of a run holds, wherever it is read from: this machine's store
/// (<see cref="LedgerRun"/>) and the committed ledger (<see cref="LedgerEntry"/>, the store's run as
/// <see cref="LedgerProjection"/> wrote it). Each adds what only it has, and its own creation time:
/// the store always knows it, an entry written by hand or by an older SwarmPS may not.
/// </summary>
public abstract record RunRecord
{
    public required string Id { get; init; }

    /// <summary>The parameters, as compact canonical JSON: the text the id is hashed over (scrubbed in the ledger).</summary>
    public required string Statepoint { get; init; }

    public required RunStatus Status { get; init; }

    public required string Machine { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public double? WallSeconds { get; init; }

    public string? CodeCommit { get; init; }

    public bool? CodeDirty { get; init; }

    public IReadOnlyList<string> Experiments { get; init; } = [];

    public TrackerPointer? Tracker { get; init; }

    public DateTimeOffset? PromotedAt { get; init; }
}
