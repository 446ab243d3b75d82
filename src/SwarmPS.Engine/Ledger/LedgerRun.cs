namespace SwarmPS.Engine.Ledger;

/// <summary>
/// One run as this machine's store holds it. Fields marked local never leave the machine: the
/// ledger entry is a projection (<see cref="LedgerProjection"/>) of the rest.
/// </summary>
public sealed record LedgerRun
{
    public required string Id { get; init; }

    /// <summary>The parameters, as compact canonical JSON: the text the id is hashed over.</summary>
    public required string Statepoint { get; init; }

    public required RunStatus Status { get; init; }

    public required string Machine { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public double? WallSeconds { get; init; }

    public string? CodeCommit { get; init; }

    public bool? CodeDirty { get; init; }

    public IReadOnlyList<string> Experiments { get; init; } = [];

    public TrackerPointer? Tracker { get; init; }

    /// <summary>Local: tracker settings or init arguments, which may hold credentials.</summary>
    public string? TrackerConfiguration { get; init; }

    /// <summary>Local: where the run's files are on this machine.</summary>
    public string? WorkingDirectory { get; init; }

    public DateTimeOffset? PromotedAt { get; init; }

    /// <summary>Why the last promotion failed; cleared by the next one that succeeds.</summary>
    public string? PromotionError { get; init; }

    public bool IsTerminal => Status.IsTerminal();
}
