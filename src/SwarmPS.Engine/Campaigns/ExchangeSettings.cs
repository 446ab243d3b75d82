namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Where the campaign's agents exchange messages. The token itself never appears in a campaign file:
/// the file names the environment variable that holds it (<see cref="TokenVariable"/>), read where
/// the campaign is launched and handed to agents as SWARM_EXCHANGE_TOKEN.
/// </summary>
public sealed record ExchangeSettings
{
    /// <summary>
    /// Backends a campaign may name. All are reached over the exchange's HTTP(S) protocol: "embedded" is the
    /// exchange SwarmPS hosts itself (SQLite), "http" one already running at url, "rabbitmq" gateways
    /// (Start-SwarmExchange -Backend RabbitMq) in front of a broker cluster, url listing them.
    /// </summary>
    public static readonly IReadOnlyList<string> KnownBackends = new[] { "embedded", "http", "rabbitmq" };

    public const string RabbitMqBackend = "rabbitmq";

    public const string DefaultBackend = "embedded";

    public const string DefaultTokenVariable = "SWARM_EXCHANGE_TOKEN";

    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(10);

    public string Backend { get; init; } = DefaultBackend;

    /// <summary>The exchange's address as agents reach it; null lets the launcher choose (embedded).</summary>
    public Uri? Url => Urls.Count > 0 ? Urls[0] : null;

    /// <summary>Every gateway agents may use, in order (several only for the rabbitmq backend); empty lets the launcher choose.</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>rabbitmq: the broker's nodes (amqp://host:port/vhost, comma-separated, no credentials) the gateways run on; recorded for scripts that start them.</summary>
    public string? BrokerUri { get; init; }

    /// <summary>rabbitmq: the exchange's name on the broker, the same for every gateway of this campaign.</summary>
    public string? BrokerName { get; init; }

    public string TokenVariable { get; init; } = DefaultTokenVariable;

    public TimeSpan HeartbeatInterval { get; init; } = DefaultHeartbeatInterval;

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
