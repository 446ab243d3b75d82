namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Bytes of request bodies the gateway holds in memory for all requests in flight together. A body's
/// buffer grows with the bytes that actually arrived (never with the Content-Length a client declares),
/// and each growth takes its bytes from this budget first: many slow or stalled senders together cannot
/// make the exchange hold more than MaxBufferedRequestBytes. A request that would exceed it is answered
/// 429 RequestBufferLimitReached.
/// </summary>
public sealed class RequestBodyBudget(ExchangeLimits limits)
{
    private long _held;

    /// <summary>Bytes held now by every body being read.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Takes <paramref name="bytes"/> or throws RequestBufferLimitReached, taking nothing.</summary>
    public void Take(long bytes)
    {
        while (true)
        {
            var held = Interlocked.Read(ref _held);
            if (held + bytes > limits.MaxBufferedRequestBytes)
            {
                throw new SwarmException(
                    "RequestBufferLimitReached",
                    $"The exchange is already holding {held} bytes of request bodies in flight; this request would exceed the {limits.MaxBufferedRequestBytes}-byte limit.",
                    "Retry after a short pause, and send each request body promptly and in full; stalled uploads hold the exchange's memory until they time out.",
                    SwarmErrorCategory.InvalidOperation);
            }

            if (Interlocked.CompareExchange(ref _held, held + bytes, held) == held)
            {
                return;
            }
        }
    }

    public void Give(long bytes) => Interlocked.Add(ref _held, -bytes);
}
