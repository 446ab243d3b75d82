namespace SwarmPS.Engine.Ledger;

/// <summary>What Initialize-SwarmRepository did, and the .gitignore lines the operator should fix.</summary>
public sealed record RepositoryInitialization(
    string Root,
    string MachineLabel,
    bool MachineLabelChanged,
    bool GitIgnoreChanged,
    IReadOnlyList<LedgerFinding> Warnings);
