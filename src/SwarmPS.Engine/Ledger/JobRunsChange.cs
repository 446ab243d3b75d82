namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What one batch of scheduler status changes did: runs moved, already in that status, refused because
/// they were already terminal, tasks without a run, entries promoted, and promotions that failed (the
/// statuses stand; Sync-SwarmLedger writes those entries later).
/// </summary>
public sealed record JobRunsChange(int Changed, int Unchanged, int Refused, int Missing, int Promoted, IReadOnlyList<PromotionOutcome> PromotionFailures);
