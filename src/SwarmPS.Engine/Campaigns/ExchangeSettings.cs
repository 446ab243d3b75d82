namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Where the campaign's agents exchange messages. The token itself never appears in a campaign file:
/// the file names the environment variable that holds it (<see cref="TokenVariable"/>), read where
/// the campaign is launched and handed to agents as SWARM_EXCHANGE_TOKEN.
/// </summary>
public sealed record ExchangeSettings
{
    /// <summary>Backends a campaign may name; "embedded" is the exchange SwarmPS hosts itself.</summary>
    public static readonly IReadOnlyList<string> KnownBackends = new[] { "embedded", "http", "rabbitmq" };

    /// <summary>
    /// Backends this SwarmPS can run: "embedded" and "http" both reach the exchange over its HTTP(S)
    /// protocol. A known backend missing here (the "rabbitmq" broker) is refused when the campaign is
    /// loaded, never quietly replaced by another (<see cref="NotImplemented"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> ImplementedBackends = new[] { "embedded", "http" };

    public const string DefaultBackend = "embedded";

    public const string DefaultTokenVariable = "SWARM_EXCHANGE_TOKEN";

    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(10);

    public string Backend { get; init; } = DefaultBackend;

    /// <summary>The exchange's address as agents reach it; null lets the launcher choose (embedded).</summary>
    public Uri? Url { get; init; }

    public string TokenVariable { get; init; } = DefaultTokenVariable;

    public TimeSpan HeartbeatInterval { get; init; } = DefaultHeartbeatInterval;

    /// <summary>The problem and fix for a campaign naming a known backend that nothing here implements.</summary>
    public static (string Problem, string Remediation) NotImplemented(string backend) => (
        $"The exchange backend '{backend}' is not implemented by this SwarmPS: its agents would be pointed at an exchange that does not exist.",
        $"Use backend: embedded (Start-SwarmExchange, over TLS or an SSH tunnel for remote sites) or backend: http with the url of a running SwarmPS exchange; implemented: {string.Join(", ", ImplementedBackends)}.");

    /// <summary>
    /// How long a peer's heartbeat may stay still before its sites call it lost (<c>stale_after</c>);
    /// null means <see cref="StaleAfterHeartbeats"/> heartbeat intervals.
    /// </summary>
    public TimeSpan? StaleAfter { get; init; }

    /// <summary>Three missed heartbeats: one late heartbeat is noise, three in a row is a peer gone (30 s at the default interval).</summary>
    public const int StaleAfterHeartbeats = 3;

    /// <summary>The threshold launches and the peer watcher judge staleness by.</summary>
    public TimeSpan EffectiveStaleAfter => StaleAfter ?? HeartbeatInterval * StaleAfterHeartbeats;
}
