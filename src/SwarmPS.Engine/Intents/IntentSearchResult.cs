namespace SwarmPS.Engine.Intents;

/// <summary>The intents found, most recent first, and each file skipped with the reason (for the cmdlet's warnings).</summary>
public sealed record IntentSearchResult(IReadOnlyList<CampaignIntent> Intents, IReadOnlyList<SwarmException> Skipped);
