using SwarmPS.Engine.Exchange;

/// <summary>
/// SwarmPS on the RabbitMQ backend for the benchmark's end-to-end scenario (Program.cs's EndToEnd: the
/// same agents, the same counting, beside the embedded exchange and raw RabbitMQ): N gateways, each a
/// RabbitMqMailboxStore (its own broker connection and registry-log reader) behind its own ExchangeGateway
/// on 127.0.0.1, all in this process; agent i uses gateway i mod N for everything, as agents spread over
/// several gateways would. Each measurement uses an exchange name of its own and deletes its queues after.
/// </summary>
internal static class RabbitMqGateways
{
    public sealed record Result(double Rate, RabbitMqStatistics Statistics);

    /// <param name="endToEnd">Runs the agents given each one's client and the registered mailbox ids; returns msg/s.</param>
    public static async Task<Result> MeasureAsync(int gateways, int agents, string token, Func<Func<int, IExchange>, Guid[], Task<double>> endToEnd)
    {
        var settings = new RabbitMqSettings
        {
            Brokers = [new Uri("amqp://127.0.0.1:5673/test")],
            User = "test",
            Password = "test",
            Name = "bench-" + Guid.NewGuid().ToString("N")[..10],
        };
        var limits = new ExchangeLimits();
        var stores = new List<RabbitMqMailboxStore>();
        var fronts = new List<ExchangeGateway>();
        var clients = new List<HttpExchangeClient>();
        try
        {
            for (var g = 0; g < gateways; g++)
            {
                var store = await RabbitMqMailboxStore.OpenAsync(settings, limits);
                stores.Add(store);
                var gateway = ExchangeGateway.Start(store, limits, token);
                fronts.Add(gateway);
                clients.Add(new HttpExchangeClient(new ExchangeConnection(gateway.Url, token), new SocketsHttpHandler { MaxConnectionsPerServer = 256 }));
            }

            var ids = new Guid[agents];
            for (var i = 0; i < agents; i++)
            {
                ids[i] = (await clients[i % gateways].RegisterAsync("bench", $"agent-{i}")).Id;
            }

            var before = stores.Select(s => s.Statistics).ToList();
            var rate = await endToEnd(i => clients[i % gateways], ids);
            return new Result(rate, stores.Select((s, g) => s.Statistics - before[g]).Aggregate((x, y) => x + y));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            foreach (var gateway in fronts)
            {
                await gateway.DisposeAsync();
            }

            var queues = stores.SelectMany(s => s.DeclaredQueues).Distinct().ToList();
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }

            await RabbitMqMailboxStore.DeleteQueuesAsync(settings, queues);
        }
    }
}
