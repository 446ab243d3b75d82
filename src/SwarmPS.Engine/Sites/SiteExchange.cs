namespace SwarmPS.Engine.Sites;

/// <summary>
/// A site profile's <c>exchange:</c> block: the exchange a gateway started at this site runs
/// (<c>Start-SwarmExchange -Site</c>): SQLite on the host, or one gateway of a RabbitMQ broker the centre runs.
/// </summary>
public sealed record SiteExchange
{
    public static readonly IReadOnlyList<string> Backends = new[] { "sqlite", "rabbitmq" };

    /// <summary>sqlite or rabbitmq.</summary>
    public string Backend { get; init; } = "sqlite";

    /// <summary>rabbitmq: amqp://host:port/vhost of the broker's nodes, comma-separated, without credentials.</summary>
    public string? BrokerUri { get; init; }

    /// <summary>rabbitmq: the exchange's name on the broker, shared by every gateway of that exchange.</summary>
    public string? BrokerName { get; init; }
}
