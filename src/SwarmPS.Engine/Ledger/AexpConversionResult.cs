namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What Convert-SwarmLedger -From Aexp did. <see cref="Converted"/> entries were written to
/// <c>.swarm/ledger/</c> under their aexp job ids; <see cref="Unchanged"/> ones were already there, the same
/// apart from <c>promoted_at</c>; <see cref="Conflicts"/> differ from an entry already there, which was kept;
/// <see cref="Skipped"/> are live aexp runs (created, queued, running), which only a terminal status lets into
/// a ledger; <see cref="Invalid"/> files could not be read as aexp entries; <see cref="Failed"/> could not be
/// written. <see cref="Findings"/> holds one finding for each entry that was not converted or unchanged.
/// </summary>
public sealed record AexpConversionResult(
    int Converted,
    int Unchanged,
    int Conflicts,
    int Skipped,
    int Invalid,
    int Failed,
    IReadOnlyList<LedgerFinding> Findings);
