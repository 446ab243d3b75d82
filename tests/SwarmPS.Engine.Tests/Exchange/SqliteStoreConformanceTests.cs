using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The conformance suite against the SQLite store, in process.</summary>
public sealed class SqliteStoreConformanceTests : ExchangeConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-store-").FullName;

    protected override Task<IExchange> CreateAsync(ExchangeLimits limits) =>
        Task.FromResult<IExchange>(SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"), limits));

    protected override Task CleanUpAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
