namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Matching entries (sorted by id), the ledger files that could not be read, and the asked-for ids that
/// have neither an entry nor an unreadable file (each a <c>LedgerEntryNotFound</c> to report).
/// </summary>
public sealed record LedgerReadResult(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<LedgerFinding> Problems)
{
    public IReadOnlyList<SwarmException> NotFound { get; init; } = [];
}
