namespace SwarmPS.Engine.Intents;

/// <summary>One axis of a campaign's task set as its intent records it: the name and every value, as the tasks receive them.</summary>
public sealed record IntentAxis(string Name, IReadOnlyList<string> Values);
