namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What Convert-SwarmLedger -From Aexp would do, decided without writing anything
/// (<see cref="AexpConverter.Plan"/>): -WhatIf shows these counts, <see cref="AexpConverter.Apply"/> writes
/// <see cref="ToConvert"/> entries.
/// </summary>
public sealed class AexpConversionPlan
{
    internal AexpConversionPlan(SwarmRepository repository, RedactionRule rule, IReadOnlyList<AexpEntry> toWrite, int unchanged, int conflicts, int skipped, int invalid, IReadOnlyList<LedgerFinding> findings)
    {
        Repository = repository;
        Rule = rule;
        Entries = toWrite;
        Unchanged = unchanged;
        Conflicts = conflicts;
        Skipped = skipped;
        Invalid = invalid;
        Findings = findings;
    }

    public SwarmRepository Repository { get; }

    /// <summary>Entries that have no SwarmPS ledger entry yet and will be written.</summary>
    public int ToConvert => Entries.Count;

    public int Unchanged { get; }

    public int Conflicts { get; }

    public int Skipped { get; }

    public int Invalid { get; }

    /// <summary>Conflicts, live entries skipped and invalid files, in file order.</summary>
    public IReadOnlyList<LedgerFinding> Findings { get; }

    internal IReadOnlyList<AexpEntry> Entries { get; }

    /// <summary>The repository's redaction rule, read once for every entry.</summary>
    internal RedactionRule Rule { get; }

    /// <summary>One line for -WhatIf and -Confirm.</summary>
    public override string ToString() =>
        $"write {ToConvert} ledger entries from .aexp/ledger ({Unchanged} unchanged, {Conflicts} conflicts kept as they are, {Skipped} live runs skipped, {Invalid} invalid files)";
}
