using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// One agent of a campaign: an ordinary process started on a site. <see cref="Command"/> is an argv
/// list, passed to the process as is, never through a shell, so arguments with spaces or quotes arrive
/// verbatim on every site.
/// </summary>
public sealed record CampaignAgent
{
    public required string Name { get; init; }

    /// <summary>The site profile it runs on (alpha, polaris, local ...).</summary>
    public required string Site { get; init; }

    /// <summary>argv: program then arguments. Never empty in a valid campaign.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Extra environment for the process, on top of the site's and the SWARM_* contract.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The agents this one may send to; the launcher hands their ids over as SWARM_PEERS.</summary>
    public IReadOnlyList<string> AllowedPeers { get; init; } = Array.Empty<string>();

    /// <summary>
    /// How many times the launcher restarts the agent after it exits with a failure. Default 0: an agent
    /// that crashed mid-conversation may have half-done work (a sent message, a submitted job), so an
    /// automatic restart is something the operator opts into per agent, not a surprise.
    /// </summary>
    public int RestartLimit { get; init; } = DefaultRestartLimit;

    /// <summary>Whether its failure (past <see cref="RestartLimit"/>) fails the site or only itself; default the site.</summary>
    public AgentFailurePolicy OnFailure { get; init; } = AgentFailurePolicy.StopSite;

    /// <summary>Where the agent was declared, for findings; null for agents built in code.</summary>
    public SourceLocation? Location { get; init; }

    public const int DefaultRestartLimit = 0;

    /// <summary>The command as a POSIX shell line an operator can read, or paste to try it by hand.</summary>
    public string CommandLine => PosixQuoting.Join(Command);
}
