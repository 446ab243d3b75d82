namespace SwarmPS.Engine.Ledger;

/// <summary>A run after a status change or a new link, with the promotion that followed (null when none was due).</summary>
public sealed record RunChange(LedgerRun Run, RunStatus PreviousStatus, PromotionOutcome? Promotion)
{
    public bool PromotionFailed => Promotion is { Promoted: false };
}
