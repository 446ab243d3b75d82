namespace SwarmPS.Engine.Exchange;

/// <summary>What an operator checks first: how many mailboxes, how much backlog, how big the store is.</summary>
public sealed record ExchangeSummary(long Mailboxes, long ActiveMailboxes, long PendingMessages, long StoreBytes)
{
    /// <summary>What keeps the mailboxes: "Sqlite", or "RabbitMq" and the exchange's name on the broker (null from a client that was not told).</summary>
    public string? Backend { get; init; }
}
