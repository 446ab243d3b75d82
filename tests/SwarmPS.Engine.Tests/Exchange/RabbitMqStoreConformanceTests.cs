using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The conformance suite against the RabbitMQ backend in this process (a real broker on 127.0.0.1), each test on an exchange name of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqStoreConformanceTests(RabbitMqBrokerFixture broker) : ExchangeConformance
{
    private RabbitMqMailboxStore? _store;
    private RabbitMqSettings? _settings;

    protected override async Task<IExchange> CreateAsync(ExchangeLimits limits)
    {
        _settings = broker.Settings("conf-" + Guid.NewGuid().ToString("N")[..12]);
        _store = await RabbitMqMailboxStore.OpenAsync(_settings, limits);
        return _store;
    }

    protected override async Task CleanUpAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            await RabbitMqMailboxStore.DeleteQueuesAsync(_settings!, _store.DeclaredQueues);
        }
    }
}
