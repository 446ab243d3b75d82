namespace SwarmPS.Engine;

/// <summary>
/// How serious a finding of a check is, for campaigns (Test-SwarmCampaign) and the ledger (Test-SwarmLedger,
/// Test-SwarmCitation) alike. An Error fails the check (a campaign with one cannot launch); a Warning is worth
/// reading but passes. It lives in the engine root, beside <see cref="SwarmException"/>, so neither pillar
/// depends on the other for it. The order is rising severity, as in Roslyn's DiagnosticSeverity, so
/// <c>Sort-Object Severity -Descending</c> lists errors first; scripts compare names, not numbers.
/// </summary>
public enum FindingSeverity
{
    Warning,
    Error,
}
