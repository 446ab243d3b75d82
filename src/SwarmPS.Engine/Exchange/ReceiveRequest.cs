namespace SwarmPS.Engine.Exchange;

/// <summary>How many messages to lease, for how long, and how long to wait for the first one.</summary>
public sealed record ReceiveRequest(int MaxMessages = 1, TimeSpan? Lease = null, TimeSpan? Wait = null)
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    public TimeSpan EffectiveLease => Lease ?? DefaultLease;

    public TimeSpan EffectiveWait => Wait ?? TimeSpan.Zero;
}
