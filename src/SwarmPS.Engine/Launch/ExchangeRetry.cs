using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>Retries an exchange call through outages (the exchange restarting, a proxy hiccup) until a deadline.</summary>
public static class ExchangeRetry
{
    public static bool IsTransient(SwarmException error) =>
        error.Category is SwarmErrorCategory.ConnectionError or SwarmErrorCategory.ResourceUnavailable or SwarmErrorCategory.OperationTimeout;

    public static async Task<T> UntilAsync<T>(DateTimeOffset deadline, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (SwarmException error) when (IsTransient(error) && DateTimeOffset.UtcNow + delay < deadline)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
