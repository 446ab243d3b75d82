using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The conformance suite through real HTTP on 127.0.0.1: HttpExchangeClient → ExchangeGateway → SQLite store.</summary>
public sealed class HttpGatewayConformanceTests : ExchangeConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-gateway-").FullName;
    private SqliteMailboxStore? _store;
    private ExchangeGateway? _gateway;

    protected override Task<IExchange> CreateAsync(ExchangeLimits limits)
    {
        const string token = "conformance-token-0123456789";
        _store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"), limits);
        _gateway = ExchangeGateway.Start(_store, limits, token);
        return Task.FromResult<IExchange>(new HttpExchangeClient(new ExchangeConnection(_gateway.Url, token)));
    }

    protected override async Task CleanUpAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
