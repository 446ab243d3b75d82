namespace SwarmPS.Engine.Ledger;

/// <summary>What Sync-SwarmLedger did: counts, and each failure with its reason.</summary>
public sealed record LedgerSyncResult(int Promoted, int Skipped, int Failed, IReadOnlyList<PromotionOutcome> Failures);
