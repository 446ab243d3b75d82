using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// An exchange client for housekeeping that must work without one (stopping processes, listing agents):
/// null when no URL or token is at hand, instead of an error that would block the real work.
/// </summary>
public static class LaunchExchange
{
    public static IExchange? TryConnect(string? url)
    {
        try
        {
            return string.IsNullOrWhiteSpace(url) ? null : ExchangeConnection.FromEnvironment(url).OpenClient();
        }
        catch (SwarmException)
        {
            return null;
        }
    }
}
