namespace SwarmPS.Engine.Ledger;

/// <summary>What Initialize-SwarmRepository did, and the .gitignore lines the operator should fix.</summary>
public sealed record RepositoryInitialization(
    string Root,
    string MachineLabel,
    bool MachineLabelChanged,
    bool GitIgnoreChanged,
    IReadOnlyList<LedgerFinding> Warnings)
{
    /// <summary>How new runs get their id (.swarm/config.json; Swarm when the repository has none).</summary>
    public RunIdScheme IdScheme { get; init; }

    /// <summary>Whether this call wrote .swarm/config.json (a first choice or a forced change): commit it.</summary>
    public bool IdSchemeChanged { get; init; }
}
