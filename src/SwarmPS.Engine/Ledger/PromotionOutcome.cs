namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The result of writing one run to the ledger. A failed promotion is reported here, never thrown from
/// a status change: the status is already recorded, and Sync-SwarmLedger writes the entry later.
/// </summary>
public sealed record PromotionOutcome(string RunId, bool Promoted, string EntryPath, string? Error)
{
    public const string FailedId = "LedgerPromotionFailed";

    /// <summary>Why it failed, as a stable error id: <c>LedgerPromotionFailed</c>, or a more precise one such as <c>LedgerDirectoryLinked</c>.</summary>
    public string? ErrorId { get; init; }

    public static PromotionOutcome Success(string runId, string entryPath) => new(runId, true, entryPath, null);

    /// <summary>This outcome when the entry was written; otherwise its failure as the error to report, with its own id.</summary>
    public PromotionOutcome EnsurePromoted() => Promoted ? this : throw new SwarmException(
        ErrorId ?? FailedId,
        Error ?? $"The ledger entry of run {RunId} was not written.",
        "Fix the cause named in the message, then run Publish-SwarmLedgerEntry or Sync-SwarmLedger again.",
        SwarmErrorCategory.ResourceUnavailable,
        RunId);

    public static PromotionOutcome Failure(string runId, string entryPath, string error, string errorId = FailedId) =>
        new(runId, false, entryPath, error) { ErrorId = errorId };
}
