using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The exchange client of one command: created on first use from the connection the command names (so a
/// command that fails before it talks to the exchange never opens one), disposed with the command.
/// </summary>
internal sealed class CommandExchangeClient(Func<ExchangeConnection> connection) : IDisposable
{
    private IExchange? _client;

    public IExchange Client => _client ??= connection().OpenClient();

    public void Dispose()
    {
        _client?.Dispose();
        _client = null;
    }
}
