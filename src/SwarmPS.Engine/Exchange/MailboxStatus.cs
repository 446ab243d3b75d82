namespace SwarmPS.Engine.Exchange;

/// <summary>One mailbox as discovery reports it: the id peers derive, the name it was registered under, liveness and backlog.</summary>
public sealed record MailboxStatus(
    Guid Id,
    string RunId,
    string Name,
    MailboxState State,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeat,
    long Pending);
