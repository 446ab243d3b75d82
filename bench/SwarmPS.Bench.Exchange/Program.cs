using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SwarmPS.Engine.Exchange;

// Exchange benchmark (docs/benchmarks.md). Usage: dotnet run -c Release --project bench/SwarmPS.Bench.Exchange [-- --seconds 4]
// The gateway runs in this process on 127.0.0.1 with its store in a temp directory on the same disk as the raw
// SQLite measurement; clients are real HTTP clients. RabbitMQ is measured when 127.0.0.1:5673 answers
// (tests/infra/start-rabbitmq.sh).
var seconds = args.Length == 2 && args[0] == "--seconds" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
var duration = TimeSpan.FromSeconds(seconds);
var body = new string('x', 256);
var directory = Directory.CreateTempSubdirectory("swarm-bench-").FullName;
Console.WriteLine($"exchange benchmark: {Environment.ProcessorCount} cores, {seconds} s per scenario, 256-byte bodies, store in {directory}");

const string token = "bench-token-0123456789abcdef0123456789";
var limits = new ExchangeLimits();
await using var store = SqliteMailboxStore.Open(Path.Combine(directory, "exchange.db"), limits);
await using var gateway = ExchangeGateway.Start(store, limits, token);
using var client = new HttpExchangeClient(new ExchangeConnection(gateway.Url, token), new SocketsHttpHandler { MaxConnectionsPerServer = 256 });
var run = 0;

async Task<Guid[]> RegisterAgents(int count)
{
    var runId = $"bench-{run++}";
    var ids = new Guid[count];
    for (var i = 0; i < count; i++)
    {
        ids[i] = (await client.RegisterAsync(runId, $"agent-{i}")).Id;
    }

    return ids;
}

// Each agent sends to the next agent's mailbox, then receives from its own and acknowledges what it got.
async Task<double> EndToEnd(int agents, int batch)
{
    var ids = await RegisterAgents(agents);
    long done = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(async () =>
    {
        var to = ids[(i + 1) % agents];
        while (clock.Elapsed < duration)
        {
            if (batch == 1)
            {
                await client.SendAsync(OutgoingMessage.Create(to, body));
            }
            else
            {
                await client.SendBatchAsync(Enumerable.Range(0, batch).Select(_ => OutgoingMessage.Create(to, body)).ToList());
            }

            var received = await client.ReceiveAsync(ids[i], new ReceiveRequest(batch, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1)));
            if (received.Count > 0)
            {
                await client.AcknowledgeAsync(ids[i], received.Select(m => m.Id).ToList());
                Interlocked.Add(ref done, received.Count);
            }
        }
    })));
    return done / clock.Elapsed.TotalSeconds;
}

async Task<(double P50, double P99, double Rate)> SteadySendLatency(int perSecond)
{
    var ids = await RegisterAgents(2);
    var latencies = new ConcurrentBag<double>();
    using var stopConsumer = new CancellationTokenSource();
    var consumer = Task.Run(async () =>
    {
        while (!stopConsumer.IsCancellationRequested)
        {
            var got = await client.ReceiveAsync(ids[1], new ReceiveRequest(100, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)));
            if (got.Count > 0)
            {
                await client.AcknowledgeAsync(ids[1], got.Select(m => m.Id).ToList());
            }
        }
    });
    var sends = new List<Task>();
    var clock = Stopwatch.StartNew();
    long sent = 0;
    while (clock.Elapsed < duration)
    {
        var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
        for (; sent < due; sent++)
        {
            sends.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                await client.SendAsync(OutgoingMessage.Create(ids[1], body));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }));
        }

        await Task.Delay(1);
    }

    await Task.WhenAll(sends);
    var rate = sent / clock.Elapsed.TotalSeconds;
    stopConsumer.Cancel();
    await consumer;
    var sorted = latencies.Order().ToArray();
    return (sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], rate);
}

double RawSqliteInserts()
{
    using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "raw.db")};Pooling=False");
    connection.Open();
    using (var setup = connection.CreateCommand())
    {
        setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (seq INTEGER PRIMARY KEY, id TEXT, body TEXT)";
        setup.ExecuteNonQuery();
    }

    using var insert = connection.CreateCommand();
    insert.CommandText = "INSERT INTO t(id, body) VALUES ($id, $body)";
    var id = insert.Parameters.Add("$id", SqliteType.Text);
    insert.Parameters.AddWithValue("$body", body);
    insert.Prepare();
    var clock = Stopwatch.StartNew();
    long count = 0;
    while (clock.Elapsed < duration)
    {
        id.Value = Guid.NewGuid().ToString(); // autocommit: one durable transaction per insert
        insert.ExecuteNonQuery();
        count++;
    }

    return count / clock.Elapsed.TotalSeconds;
}

async Task<double?> RabbitMq(int publishers)
{
    var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = 5673, UserName = "test", Password = "test", VirtualHost = "test" };
    IConnection connection;
    try
    {
        connection = await factory.CreateConnectionAsync();
    }
    catch (Exception error)
    {
        Console.WriteLine($"rabbitmq: not reachable on 127.0.0.1:5673 ({error.GetType().Name}); start it with tests/infra/start-rabbitmq.sh");
        return null;
    }

    await using (connection)
    {
        const string queue = "swarm-bench";
        await using var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await consumerChannel.QueuePurgeAsync(queue);
        await consumerChannel.BasicQosAsync(0, 500, false);
        long consumed = 0;
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            Interlocked.Increment(ref consumed);
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

        var payload = System.Text.Encoding.UTF8.GetBytes(body);
        var properties = new BasicProperties { Persistent = true };
        long published = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(_ => Task.Run(async () =>
        {
            // Publisher confirms with tracking: each publish completes when the broker confirmed it (fsynced).
            var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);
            await using var channel = await connection.CreateChannelAsync(options);
            while (clock.Elapsed < duration)
            {
                await channel.BasicPublishAsync("", queue, mandatory: false, basicProperties: properties, body: payload);
                Interlocked.Increment(ref published);
            }
        })));
        while (Interlocked.Read(ref consumed) < published && clock.Elapsed < duration * 3)
        {
            await Task.Delay(5);
        }

        return Interlocked.Read(ref consumed) / clock.Elapsed.TotalSeconds;
    }
}

static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

var raw = RawSqliteInserts();
Console.WriteLine($"raw sqlite durable inserts (WAL, synchronous=FULL, 1 per transaction): {Rate(raw)} /s");
var results = new Dictionary<int, double>();
foreach (var agents in new[] { 1, 16, 64 })
{
    results[agents] = await EndToEnd(agents, 1);
    Console.WriteLine($"end-to-end unbatched (send, receive, ack), {agents,2} agents: {Rate(results[agents])} msg/s");
}

Console.WriteLine($"ratio end-to-end(16 agents) / raw sqlite inserts: {results[16] / raw:P0}");
var (p50, p99, achieved) = await SteadySendLatency(1000);
Console.WriteLine($"send latency at a steady {Rate(achieved)} msg/s: p50 {p50:F2} ms, p99 {p99:F2} ms");
var batched = await EndToEnd(16, 100);
Console.WriteLine($"end-to-end batched (100 per send/receive/ack), 16 agents: {Rate(batched)} msg/s");
var rabbit = await RabbitMq(16);
if (rabbit is { } rabbitRate)
{
    Console.WriteLine($"rabbitmq 3.10 (persistent, publisher confirms, manual acks), 16 publishers: {Rate(rabbitRate)} msg/s");
    Console.WriteLine($"batched exchange / rabbitmq: {batched / rabbitRate:P0}");
}

Directory.Delete(directory, recursive: true);
