namespace SwarmPS.Engine.Launch;

/// <summary>A site launch that ran to the end: every local agent finished with exit 0.</summary>
public sealed record SiteLaunchResult(string RunId, string Site, SiteState State, string SiteDirectory, IReadOnlyList<AgentRecord> Agents, TimeSpan Elapsed);
