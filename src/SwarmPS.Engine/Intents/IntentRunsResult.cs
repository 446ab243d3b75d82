using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Intents;

/// <summary>For each intent (same order as asked), its finished ledger runs; and what could not be read.</summary>
public sealed record IntentRunsResult(IReadOnlyList<IReadOnlyList<LedgerEntry>> RunsByIntent, IReadOnlyList<string> Notes);
