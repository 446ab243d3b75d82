namespace SwarmPS.Engine.Exchange;

/// <summary>What an operator checks first: how many mailboxes, how much backlog, how big the store is.</summary>
public sealed record ExchangeSummary(long Mailboxes, long ActiveMailboxes, long PendingMessages, long StoreBytes);
