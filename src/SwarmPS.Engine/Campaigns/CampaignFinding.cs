using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// One problem found in a campaign. <see cref="Code"/> is a stable PascalCase word scripts filter on
/// (docs/campaigns.md lists them); <see cref="Message"/> names the problem and then the fix.
/// </summary>
public sealed record CampaignFinding(
    string Code,
    FindingSeverity Severity,
    string? Agent,
    string Message,
    SourceLocation? Location = null)
{
    public override string ToString() =>
        $"{Severity} {Code}{(Agent is null ? "" : $" [{Agent}]")}: {(Location is null ? "" : $"{Location}: ")}{Message}";
}
