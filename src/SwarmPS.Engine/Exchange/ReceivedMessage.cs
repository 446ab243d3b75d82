namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A leased message. It is acknowledged by <see cref="Id"/>; if not acknowledged before
/// <see cref="LeaseExpiresAt"/> it is delivered again with a higher <see cref="DeliveryCount"/>.
/// </summary>
public sealed record ReceivedMessage(
    Guid Id,
    Guid To,
    Guid? From,
    string Body,
    DateTimeOffset SentAt,
    int DeliveryCount,
    DateTimeOffset LeaseExpiresAt);
