namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A receive that waits longer than one request may: a loop of long polls, each within the exchange's cap
/// on one wait, until a message arrives, the timeout passes, or the caller cancels.
/// </summary>
public static class LongReceive
{
    /// <summary>
    /// The longest wait one poll asks for. An exchange refuses a wait over its cap (<c>WaitInvalid</c>; 60 s
    /// by default, <see cref="ExchangeLimits.MaxWait"/>), and the answer to a full wait arrives a little
    /// after it: 5 s under the cap keeps each request inside the minute that common proxies in front of an
    /// exchange allow a response to take (nginx's proxy_read_timeout is 60 s).
    /// </summary>
    public static readonly TimeSpan MaxPollWait = TimeSpan.FromSeconds(55);

    /// <summary>
    /// Leases up to <paramref name="maxMessages"/> from <paramref name="mailbox"/>, waiting for the first one
    /// until <paramref name="timeout"/> has passed (null: until <paramref name="cancellationToken"/> is
    /// cancelled). Empty when the timeout passed with nothing to lease.
    /// </summary>
    public static async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(
        IExchange exchange, Guid mailbox, int maxMessages, TimeSpan lease, TimeSpan? timeout, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        var deadline = timeout is { } limit ? clock.GetUtcNow() + limit : DateTimeOffset.MaxValue;
        while (true)
        {
            var wait = NextWait(deadline, clock.GetUtcNow());
            var messages = await exchange.ReceiveAsync(mailbox, new ReceiveRequest(maxMessages, lease, wait), cancellationToken).ConfigureAwait(false);
            if (messages.Count > 0 || clock.GetUtcNow() >= deadline)
            {
                return messages;
            }
        }
    }

    /// <summary>The wait of the next poll: what is left before <paramref name="deadline"/>, at most <see cref="MaxPollWait"/>, never negative.</summary>
    public static TimeSpan NextWait(DateTimeOffset deadline, DateTimeOffset now)
    {
        if (deadline == DateTimeOffset.MaxValue)
        {
            return MaxPollWait;
        }

        var left = deadline - now;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < MaxPollWait ? left : MaxPollWait;
    }
}
