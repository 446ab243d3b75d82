namespace SwarmPS.Engine.Ledger;

/// <summary>Matching entries (sorted by id), and the ledger files that could not be read.</summary>
public sealed record LedgerReadResult(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<LedgerFinding> Problems);
