namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The result of writing one run to the ledger. A failed promotion is reported here, never thrown from
/// a status change: the status is already recorded, and Sync-SwarmLedger writes the entry later.
/// </summary>
public sealed record PromotionOutcome(string RunId, bool Promoted, string EntryPath, string? Error)
{
    public static PromotionOutcome Success(string runId, string entryPath) => new(runId, true, entryPath, null);

    public static PromotionOutcome Failure(string runId, string entryPath, string error) => new(runId, false, entryPath, error);
}
