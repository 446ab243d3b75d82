namespace SwarmPS.Engine.Ledger;

/// <summary>
/// One run as this machine's store holds it. Fields marked local never leave the machine: the
/// ledger entry is a projection (<see cref="LedgerProjection"/>) of the rest.
/// </summary>
public sealed record LedgerRun : RunRecord
{
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Local: tracker settings or init arguments, which may hold credentials.</summary>
    public string? TrackerConfiguration { get; init; }

    /// <summary>Local: where the run's files are on this machine.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Why the last promotion failed; cleared by the next one that succeeds.</summary>
    public string? PromotionError { get; init; }

    public bool IsTerminal => Status.IsTerminal();
}
