namespace SwarmPS.Engine.Exchange;

/// <summary>What keeps an exchange's mailboxes (docs/exchange.md, "Backends"); the HTTP protocol is the same for both.</summary>
public enum ExchangeBackend
{
    /// <summary>One SQLite file on this host: the default, nothing to install.</summary>
    Sqlite,

    /// <summary>Quorum queues on a RabbitMQ cluster, with any number of gateways in front of it.</summary>
    RabbitMq,
}
