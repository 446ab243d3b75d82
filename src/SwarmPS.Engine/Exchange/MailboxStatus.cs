namespace SwarmPS.Engine.Exchange;

/// <summary>One mailbox as discovery reports it: the id peers derive, the name it was registered under, liveness and backlog.</summary>
public sealed record MailboxStatus(
    Guid Id,
    string RunId,
    string Name,
    MailboxState State,
    DateTimeOffset RegisteredAt,
    DateTimeOffset LastHeartbeat,
    long Pending)
{
    /// <summary>
    /// How long the exchange had heard nothing from the mailbox when this was read, by the exchange's own
    /// clock, so a launch on a machine whose clock is off still judges silence right; null from an exchange
    /// that does not say (then the reader compares <see cref="LastHeartbeat"/> with its own clock).
    /// </summary>
    public TimeSpan? SilentFor { get; init; }

    /// <summary>The exchange's own threshold (ExchangeLimits.HeartbeatThreshold): silent longer than this, it reports the mailbox INACTIVE and lets it be registered again.</summary>
    public TimeSpan? ExchangeStaleAfter { get; init; }
}
