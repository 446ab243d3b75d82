using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// A federated agent campaign as declared in a campaign file: who starts, what they are told, where
/// each agent runs and whom it may talk to. Immutable; a slice (<see cref="CampaignSlice"/>) is a new
/// campaign with fewer agents that remembers the campaign it came from.
/// </summary>
public sealed record Campaign
{
    public static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(600);

    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The agent that receives <see cref="UserTask"/> at kickoff. Not rewritten by slicing.</summary>
    public required string InitialAgent { get; init; }

    /// <summary>The text sent to the initial agent at kickoff.</summary>
    public required string UserTask { get; init; }

    public ExchangeSettings Exchange { get; init; } = new();

    /// <summary>How long a launch waits for every agent to register before giving up.</summary>
    public TimeSpan StartupTimeout { get; init; } = DefaultStartupTimeout;

    /// <summary>Whether a peer lost mid-run stops this site's agents (<c>on_peer_lost</c>); default continue.</summary>
    public PeerLossPolicy OnPeerLost { get; init; } = PeerLossPolicy.Continue;

    /// <summary>In declaration order; that order is kept by slicing and used when starting them.</summary>
    public required IReadOnlyList<CampaignAgent> Agents { get; init; }

    /// <summary>The full path of the file it was loaded from, or "" for a campaign built in code.</summary>
    public string Source { get; init; } = "";

    /// <summary>
    /// For a slice, the names of every agent of the campaign it was selected from, in declaration
    /// order; null for a whole campaign. Validation uses it to know that a peer missing from the slice
    /// still exists on another site.
    /// </summary>
    public IReadOnlyList<string>? SliceOf { get; init; }

    public bool IsSlice => SliceOf is not null;

    /// <summary>
    /// For a slice, the site of every agent of the campaign it was selected from; null for a whole
    /// campaign. A site's launcher runs a slice, and its warnings about a lost peer name the peer's site.
    /// </summary>
    public IReadOnlyDictionary<string, string>? SliceSites { get; init; }

    /// <summary>The site an agent of this campaign (or of the campaign this slice came from) runs on; null if unknown.</summary>
    public string? SiteOf(string agent) =>
        Agents.FirstOrDefault(candidate => candidate.Name == agent)?.Site ?? SliceSites?.GetValueOrDefault(agent);

    public IReadOnlyList<string> AgentNames => Agents.Select(agent => agent.Name).ToList();

    /// <summary>The distinct sites its agents run on, in order of first appearance.</summary>
    public IReadOnlyList<string> Sites => Agents.Select(agent => agent.Site).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Where initial_agent was written, for findings; null for campaigns built in code.</summary>
    public SourceLocation? InitialAgentLocation { get; init; }

    /// <summary>Where user_task was written, for findings; null for campaigns built in code.</summary>
    public SourceLocation? UserTaskLocation { get; init; }

    public override string ToString() => IsSlice ? $"{Name} [{string.Join(',', AgentNames)}]" : Name;
}
