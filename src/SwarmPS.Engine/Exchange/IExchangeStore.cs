namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A backend the exchange server owns and serves through its gateway (SQLite file or RabbitMQ cluster),
/// as opposed to a client of a remote exchange: it is closed asynchronously when the server stops.
/// </summary>
public interface IExchangeStore : IExchange, IAsyncDisposable;
