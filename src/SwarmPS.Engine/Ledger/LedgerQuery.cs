namespace SwarmPS.Engine.Ledger;

/// <summary>Filters for reading the ledger; empty lists and nulls mean "any".</summary>
public sealed record LedgerQuery
{
    public IReadOnlyList<string> Ids { get; init; } = [];

    public IReadOnlyList<RunStatus> Statuses { get; init; } = [];

    /// <summary>Machine labels, compared without regard to case.</summary>
    public IReadOnlyList<string> Machines { get; init; } = [];

    /// <summary>Entries whose run ended (or, lacking an end, was promoted) at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    internal bool Matches(LedgerEntry entry) =>
        (Statuses.Count == 0 || Statuses.Contains(entry.Status))
        && (Machines.Count == 0 || Machines.Contains(entry.Machine, StringComparer.OrdinalIgnoreCase))
        && (Since is null || (entry.EndedAt ?? entry.PromotedAt) >= Since);
}
