using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>What Start-SwarmSite asks for: which campaign slice, which run, which site, and how.</summary>
public sealed record SiteLaunchOptions
{
    /// <summary>The campaign or a slice of it; only its agents that live on <see cref="Site"/> start here.</summary>
    public required Campaign Campaign { get; init; }

    public required string RunId { get; init; }

    public required SiteProfile Site { get; init; }

    /// <summary>The exchange agents and the launcher talk to; its token goes to agents in their environment only.</summary>
    public required ExchangeConnection Exchange { get; init; }

    /// <summary>Relative agent commands (examples/agent.py) are resolved from here, and agents start here.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Overrides the campaign's startup_timeout (default 600 s).</summary>
    public TimeSpan? StartupTimeout { get; init; }

    /// <summary>Send the kickoff to the initial agent once all peers are live, if it runs here.</summary>
    public bool Bootstrap { get; init; }

    /// <summary>First restart delay; later ones double, up to 30 s.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>SIGTERM to SIGKILL when stopping agents.</summary>
    public TimeSpan StopGrace { get; init; } = ProcessStopper.DefaultGrace;

    /// <summary>How often peers are looked up while waiting.</summary>
    public TimeSpan RendezvousPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Run the agents as the ranks of one batch job (Start-SwarmSite -Allocation); null runs them as processes here.</summary>
    public AllocationRequest? Allocation { get; init; }

    /// <summary>How often an allocation's job state and its ranks' exit files are read.</summary>
    public TimeSpan AllocationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan EffectiveStartupTimeout => StartupTimeout ?? Campaign.StartupTimeout;

    /// <summary>The names of the agents that start here: the slice's agents on <see cref="Site"/>.</summary>
    public IReadOnlyList<string> LocalAgentNames => Campaign.Agents.Where(agent => agent.Site == Site.Name).Select(agent => agent.Name).ToList();
}
