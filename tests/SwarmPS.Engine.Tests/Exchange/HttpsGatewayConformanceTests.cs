using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The conformance suite through real HTTPS on 127.0.0.1: a pinning client → TLS front → gateway → SQLite store.</summary>
public sealed class HttpsGatewayConformanceTests : ExchangeConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-gateway-tls-").FullName;
    private SqliteMailboxStore? _store;
    private ExchangeGateway? _gateway;
    private ExchangeCertificate? _certificate;

    protected override Task<IExchange> CreateAsync(ExchangeLimits limits)
    {
        const string token = "conformance-token-0123456789";
        _certificate = ExchangeCertificate.For(new ExchangeServerOptions { StateDirectory = _directory, SelfSigned = true })!;
        _store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"), limits);
        _gateway = ExchangeGateway.Start(_store, limits, token, certificate: _certificate.Certificate);
        return Task.FromResult<IExchange>(new HttpExchangeClient(new ExchangeConnection(_gateway.Url, token, new ExchangeTrust(null, _certificate.Fingerprint))));
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

        _certificate?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
