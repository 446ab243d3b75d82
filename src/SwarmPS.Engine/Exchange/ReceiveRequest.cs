namespace SwarmPS.Engine.Exchange;

/// <summary>
/// How many messages to lease, for how long, and how long to wait for the first one.
/// <see cref="Acknowledge"/> names messages of the same mailbox, received earlier, to acknowledge in the
/// same step before leasing (ack-on-receive): an agent that processes one message at a time then needs
/// two requests per message instead of three. The acknowledgement commits even when no message is leased.
/// </summary>
public sealed record ReceiveRequest(int MaxMessages = 1, TimeSpan? Lease = null, TimeSpan? Wait = null, IReadOnlyCollection<Guid>? Acknowledge = null)
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    public TimeSpan EffectiveLease => Lease ?? DefaultLease;

    public TimeSpan EffectiveWait => Wait ?? TimeSpan.Zero;
}
