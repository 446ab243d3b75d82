namespace SwarmPS.Engine;

/// <summary>
/// How serious a finding of a check is, for campaigns (Test-SwarmCampaign) and the ledger (Test-SwarmLedger,
/// Test-SwarmCitation) and training plans (Test-SwarmTrainingPlan) alike. An Error fails the check (a campaign
/// with one cannot launch); a Warning is worth reading but passes; Information says something the check could
/// not judge (a training backend SwarmPS ships no trainer for) and passes. It lives in the engine root, beside <see cref="SwarmException"/>, so neither pillar
/// depends on the other for it. The order is rising severity, as in Roslyn's DiagnosticSeverity, so
/// <c>Sort-Object Severity -Descending</c> lists errors first; scripts compare names, not numbers.
/// </summary>
public enum FindingSeverity
{
    Information,
    Warning,
    Error,
}
