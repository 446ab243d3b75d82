namespace SwarmPS.Engine.Launch;

/// <summary>What Stop-SwarmSite did at one site: which processes it ended (none when already stopped).</summary>
public sealed record SiteStopResult(string RunId, string Site, SiteState State, bool LauncherWasRunning, IReadOnlyList<string> StoppedAgents, IReadOnlyList<int> StoppedPids, string SiteDirectory);
