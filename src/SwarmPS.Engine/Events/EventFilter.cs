namespace SwarmPS.Engine.Events;

/// <summary>Which events Get-SwarmEvent shows: site, agent and kind by wildcard, and a start time.</summary>
public sealed record EventFilter
{
    public static readonly EventFilter All = new();

    public IReadOnlyList<string> Sites { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Agents { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Kinds { get; init; } = Array.Empty<string>();

    public DateTimeOffset? Since { get; init; }

    public bool Matches(SwarmEvent swarmEvent) =>
        AnyMatch(Sites, swarmEvent.Site)
        && AnyMatch(Agents, swarmEvent.Agent)
        && AnyMatch(Kinds, swarmEvent.Kind)
        && (Since is null || swarmEvent.Timestamp >= Since);

    private static bool AnyMatch(IReadOnlyList<string> patterns, string? value) =>
        patterns.Count == 0 || (value is not null && patterns.Any(pattern => NameGlob.Parse(pattern).IsMatch(value)));
}
