using System.Diagnostics;
using SwarmPS.Engine.Exchange;

/// <summary>
/// SwarmPS on the RabbitMQ backend in the same end-to-end shape as the embedded exchange and raw RabbitMQ:
/// 16 agents, each sending to the next agent's mailbox, receiving from its own and acknowledging, counted
/// by acknowledged messages. Agent i uses gateway i mod N for everything (as agents spread over several
/// gateways would). Each gateway is a RabbitMqMailboxStore (its own broker connection and registry log
/// reader) behind its own ExchangeGateway on 127.0.0.1, all in this process.
/// </summary>
internal static class RabbitMqGateways
{
    private static double Ms(long ticks, long count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;

    public sealed record Result(int Gateways, int Batch, double Rate, double CpuMicrosecondsPerMessage, long LogEntries, long LogRecords, double PublishMs, double RecordMs, double SendMs, double ReceiveMs, double AckMs);

    public static async Task<Result> MeasureAsync(int gateways, int agents, int batch, TimeSpan duration, string body, string token)
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

            long done = 0, cycles = 0, sendTicks = 0, receiveTicks = 0, ackTicks = 0, acks = 0;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var statsBefore = stores.Select(s => s.Statistics).ToList();
            using var stop = new CancellationTokenSource(duration);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(async () =>
            {
                var exchange = clients[i % gateways];
                var to = ids[(i + 1) % agents];
                while (!stop.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    if (batch == 1)
                    {
                        await exchange.SendAsync(OutgoingMessage.Create(to, body));
                    }
                    else
                    {
                        await exchange.SendBatchAsync(Enumerable.Range(0, batch).Select(_ => OutgoingMessage.Create(to, body)).ToList());
                    }

                    var sent = Stopwatch.GetTimestamp();
                    IReadOnlyList<ReceivedMessage> received;
                    try
                    {
                        received = await exchange.ReceiveAsync(ids[i], new ReceiveRequest(batch, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)), stop.Token);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    var receivedAt = Stopwatch.GetTimestamp();
                    Interlocked.Add(ref sendTicks, sent - started);
                    Interlocked.Add(ref receiveTicks, receivedAt - sent);
                    Interlocked.Increment(ref cycles);
                    if (received.Count > 0)
                    {
                        await exchange.AcknowledgeAsync(ids[i], received.Select(m => m.Id).ToList());
                        Interlocked.Add(ref ackTicks, Stopwatch.GetTimestamp() - receivedAt);
                        Interlocked.Increment(ref acks);
                        Interlocked.Add(ref done, received.Count);
                    }
                }
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var stats = stores.Select((s, g) => s.Statistics - statsBefore[g]).Aggregate((x, y) => x + y);
            return new Result(gateways, batch, done / elapsed, cpu.TotalMilliseconds * 1000 / Math.Max(1, done),
                stats.LogEntries, stats.LogRecords, stats.MeanPublishMilliseconds, stats.MeanRecordMilliseconds,
                Ms(sendTicks, cycles), Ms(receiveTicks, cycles), Ms(ackTicks, acks));
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
