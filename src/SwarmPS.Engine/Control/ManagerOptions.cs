using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Control;

/// <summary>What an agent manager runs with: who it is, the exchange its mailbox is on, its namespace's token, and how it starts a site's launcher.</summary>
public sealed record ManagerOptions
{
    /// <summary>How often the manager heartbeats its mailbox and its record.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(5);

    public required ManagerIdentity Identity { get; init; }

    public required ExchangeConnection Exchange { get; init; }

    public required ControlToken Token { get; init; }

    /// <summary>Where relative campaign paths (and the agents' relative commands) are resolved: where the manager was started.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The detached site launcher's command (the cmdlet layer: pwsh running Start-SwarmSite for the slice).</summary>
    public required Func<DetachedSiteArguments, IReadOnlyList<string>> SiteLauncher { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = DefaultHeartbeatInterval;

    /// <summary>Silent longer than this, a manager is shown Stale (three missed heartbeats).</summary>
    public static TimeSpan StaleAfter => DefaultHeartbeatInterval * 3;
}
