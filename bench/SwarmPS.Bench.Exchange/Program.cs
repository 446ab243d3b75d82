using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Exchange;

// Exchange benchmark (docs/benchmarks.md). Usage: dotnet run -c Release --project bench/SwarmPS.Bench.Exchange [-- --seconds 4]
// The gateway runs in this process on 127.0.0.1 with its store in a temp directory on the same disk as the raw
// SQLite measurement; clients are real HTTP clients. RabbitMQ is measured when 127.0.0.1:5673 answers
// (tests/infra/start-rabbitmq.sh).
// --profile runs only the 16-agent unbatched case, in-process (store only) and over HTTP, with a breakdown per stage.
// --rabbitmq-only runs only the raw RabbitMQ sweep (RawRabbitMq.cs).
// --gateways-only runs only SwarmPS on the RabbitMQ backend through 1 and 2 gateways, beside raw RabbitMQ's best (RabbitMqGateways.cs).
// --bind ADDRESS binds the gateway there (default 127.0.0.1, as Start-SwarmExchange). On a loopback or one-address
// bind every request crosses the gateway front (GatewayFront, the Host-name relay); 0.0.0.0 is the one bind without
// it, so the two together measure what the front costs.
var seconds = 4;
var profileOnly = false;
var rabbitOnly = false;
var gatewaysOnly = false;
var bind = "127.0.0.1";
for (var a = 0; a < args.Length; a++)
{
    if (args[a] == "--seconds" && a + 1 < args.Length)
    {
        seconds = int.Parse(args[++a], CultureInfo.InvariantCulture);
    }
    else if (args[a] == "--profile")
    {
        profileOnly = true;
    }
    else if (args[a] == "--bind" && a + 1 < args.Length)
    {
        bind = args[++a];
    }
    else if (args[a] == "--rabbitmq-only")
    {
        rabbitOnly = true;
    }
    else if (args[a] == "--gateways-only")
    {
        gatewaysOnly = true;
    }
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[a]}'; use --seconds N, --bind ADDRESS, --profile, --rabbitmq-only or --gateways-only");
        return 2;
    }
}

var duration = TimeSpan.FromSeconds(seconds);
var body = new string('x', 256);
var directory = Directory.CreateTempSubdirectory("swarm-bench-").FullName;
Console.WriteLine($"exchange benchmark: {Environment.ProcessorCount} cores, {seconds} s per scenario, 256-byte bodies, store in {directory}, gateway bound to {bind}");

const string token = "bench-token-0123456789abcdef0123456789";
var limits = new ExchangeLimits();
await using var store = SqliteMailboxStore.Open(Path.Combine(directory, "exchange.db"), limits);
await using var gateway = ExchangeGateway.Start(store, limits, token, bind);
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
// The figure counts acknowledged messages. With ackOnReceive the acknowledgement rides on the agent's next
// receive (two requests per message instead of three); messages are counted when that receive returns.
// The stage timings (mean ms per call, as the agent saw it) say where a cycle's time goes.
// agentExchange and agentIds: agents registered elsewhere, each with its own client (RabbitMqGateways.cs).
async Task<double> EndToEnd(int agents, int batch, IExchange? through = null, bool printStages = false, bool ackOnReceive = false, TimeSpan? length = null,
    Func<int, IExchange>? agentExchange = null, Guid[]? agentIds = null)
{
    var runFor = length ?? duration;
    var ids = agentIds ?? await RegisterAgents(agents);
    long done = 0, sendTicks = 0, receiveTicks = 0, ackTicks = 0, cycles = 0, emptyReceives = 0;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    // The window ends for every agent at once: an agent whose predecessor has already stopped would
    // otherwise long-poll its full 1 s wait for a message that never comes, and that idle second was
    // counted in the elapsed time (a 4 s run measured over ~5 s, the rate understated by ~20 %).
    using var stop = new CancellationTokenSource(runFor);
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(async () =>
    {
        var exchange = agentExchange?.Invoke(i) ?? through ?? client;
        var to = ids[(i + 1) % agents];
        IReadOnlyList<Guid> unacknowledged = [];
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
                received = await exchange.ReceiveAsync(ids[i], new ReceiveRequest(batch, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), unacknowledged), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }

            var receivedAt = Stopwatch.GetTimestamp();
            Interlocked.Add(ref sendTicks, sent - started);
            Interlocked.Add(ref receiveTicks, receivedAt - sent);
            Interlocked.Increment(ref cycles);
            if (ackOnReceive)
            {
                Interlocked.Add(ref done, unacknowledged.Count);
                unacknowledged = received.Select(m => m.Id).ToList();
            }
            else if (received.Count > 0)
            {
                await exchange.AcknowledgeAsync(ids[i], received.Select(m => m.Id).ToList());
                Interlocked.Add(ref ackTicks, Stopwatch.GetTimestamp() - receivedAt);
                Interlocked.Add(ref done, received.Count);
            }

            if (received.Count == 0)
            {
                Interlocked.Increment(ref emptyReceives);
            }
        }
    })));
    var elapsed = clock.Elapsed.TotalSeconds;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    if (printStages)
    {
        double Ms(long ticks, long count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;
        // Printed before the caller's figure line; the agent count says which figure it belongs to.
        Console.WriteLine($"  {agents} agents, stages per cycle ({cycles} cycles in {elapsed:F2} s): send {Ms(sendTicks, cycles):F2} ms, receive {Ms(receiveTicks, cycles):F2} ms, ack {(ackOnReceive ? "in the next receive" : $"{Ms(ackTicks, cycles - emptyReceives):F2} ms")}; empty receives {emptyReceives}");
        Console.WriteLine($"  cpu of this process (clients and exchange together): {cpu.TotalMilliseconds * 1000 / Math.Max(1, done):F0} us per message, {cpu.TotalSeconds / elapsed:F2} of {Environment.ProcessorCount} cores busy");
    }

    return done / elapsed;
}

void PrintWrites(string label, StoreWriteStatistics before)
{
    var after = store.WriteStatistics;
    var commits = after.Commits - before.Commits;
    var writes = after.Writes - before.Writes;
    Console.WriteLine($"  {label}{(label.Length > 0 ? " " : "")}store: {writes} writes in {commits} commits ({(commits == 0 ? 0 : (double)writes / commits):F1} per commit), {after.DurableCommits - before.DurableCommits} fsynced commits, {(after.CommitTicks - before.CommitTicks) * 1000.0 / Stopwatch.Frequency / Math.Max(1, commits):F2} ms per commit, {after.SlowCommits - before.SlowCommits} over {StoreWriteStatistics.SlowCommit.TotalMilliseconds:F0} ms, {(after.QueueTicks - before.QueueTicks) * 1000.0 / Stopwatch.Frequency / Math.Max(1, writes):F2} ms queued per write");
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

static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

// Raw RabbitMQ in the end-to-end shape (RawRabbitMq.cs): every window size once on classic and on quorum
// queues; the best of all is the fair baseline ("raw RabbitMQ, best configuration").
async Task<RawRabbitMq.Result?> RawRabbitMqBest()
{
    if (!await RawRabbitMq.ReachableAsync())
    {
        return null;
    }

    var sweep = await RawRabbitMq.SweepAsync(16, [1, 16, 64, 256], duration, System.Text.Encoding.UTF8.GetBytes(body));
    foreach (var kind in sweep.Select(r => r.Kind).Distinct())
    {
        var bestOfKind = sweep.Where(r => r.Kind == kind).MaxBy(r => r.Rate)!;
        Console.WriteLine($"raw rabbitmq 3.10, 16 agents, best with {kind.ToString().ToLowerInvariant()} queues ({bestOfKind.Configuration}): {Rate(bestOfKind.Rate)} msg/s");
    }

    var best = sweep.MaxBy(r => r.Rate)!;
    Console.WriteLine($"raw rabbitmq 3.10, 16 agents, best configuration ({best.Configuration}): {Rate(best.Rate)} msg/s");
    return best;
}

// SwarmPS on the RabbitMQ backend (RabbitMqGateways.cs), 16 agents, through one gateway and through two,
// unbatched and batched, with the send's breakdown: waiting for the broker's confirms, then recording the
// ids in the registry log (what idempotency across gateways costs), and the log's group commit.
async Task<Dictionary<(int Gateways, int Batch), double>> SwarmOnRabbitMq()
{
    var rates = new Dictionary<(int, int), double>();
    if (!await RawRabbitMq.ReachableAsync())
    {
        Console.WriteLine("swarmps on rabbitmq: no broker on 127.0.0.1:5673; start it with tests/infra/start-rabbitmq.sh");
        return rates;
    }

    foreach (var batch in new[] { 1, 100 })
    {
        foreach (var gateways in new[] { 1, 2 })
        {
            var result = await RabbitMqGateways.MeasureAsync(gateways, 16, token, (clientOf, ids) => EndToEnd(16, batch, printStages: true, agentExchange: clientOf, agentIds: ids));
            rates[(gateways, batch)] = result.Rate;
            Console.WriteLine($"swarmps on rabbitmq (quorum queues), 16 agents, {gateways} gateway{(gateways == 1 ? "" : "s")}, {(batch == 1 ? "unbatched" : $"batched {batch}")}: {Rate(result.Rate)} msg/s");
            Console.WriteLine($"  in the gateways, per send: broker confirms {result.Statistics.MeanPublishMilliseconds:F2} ms, id record {result.Statistics.MeanRecordMilliseconds:F2} ms (not waited for); "
                + $"registry log {result.Statistics.LogRecords} records in {result.Statistics.LogEntries} entries ({(result.Statistics.LogEntries == 0 ? 0 : (double)result.Statistics.LogRecords / result.Statistics.LogEntries):F1} per entry)");
        }
    }

    return rates;
}

if (gatewaysOnly)
{
    var swarm = await SwarmOnRabbitMq();
    if (await RawRabbitMqBest() is { } best && swarm.Count > 0)
    {
        Console.WriteLine($"swarmps on rabbitmq through 2 gateways / raw rabbitmq (best configuration): unbatched {swarm[(2, 1)] / best.Rate:P0}, batched {swarm[(2, 100)] / best.Rate:P0}");
        Console.WriteLine($"2 gateways / 1 gateway: unbatched {swarm[(2, 1)] / swarm[(1, 1)]:P0}, batched {swarm[(2, 100)] / swarm[(1, 100)]:P0}");
    }

    Directory.Delete(directory, recursive: true);
    return 0;
}

if (rabbitOnly)
{
    await RawRabbitMqBest();
    Directory.Delete(directory, recursive: true);
    return 0;
}

// A long-running exchange serves from optimised (tier-1) code; without a warm-up a 4 s scenario spends a
// large share of its CPU in the JIT (perf showed 11-17 % in libclrjit). Warm every path once, untimed.
var warmUp = TimeSpan.FromSeconds(Math.Min(2, seconds));
await EndToEnd(16, 1, length: warmUp);
await EndToEnd(16, 1, ackOnReceive: true, length: warmUp);
await EndToEnd(16, 1, store, length: warmUp);
await EndToEnd(16, 100, length: warmUp / 2);
Console.WriteLine($"warm-up: {warmUp.TotalSeconds:F0} s per path, untimed");

if (profileOnly)
{
    using (var bare = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = gateway.Url })
    {
        long requests = 0;
        var healthCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var healthClock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (healthClock.Elapsed < duration)
            {
                using var answer = await bare.GetAsync("v1/health");
                await answer.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref requests);
            }
        })));
        Console.WriteLine($"profile: GET /v1/health, 16 loops (HTTP floor: no body, no auth, no store): {Rate(requests / healthClock.Elapsed.TotalSeconds)} requests/s, {(Process.GetCurrentProcess().TotalProcessorTime - healthCpu).TotalMilliseconds * 1000 / requests:F0} us cpu per request");
    }

    var beforeStore = store.WriteStatistics;
    var inProcess = await EndToEnd(16, 1, store, printStages: true);
    Console.WriteLine($"profile: end-to-end unbatched, 16 agents, in-process store (no HTTP): {Rate(inProcess)} msg/s");
    PrintWrites("in-process", beforeStore);
    var beforeHttp = store.WriteStatistics;
    var overHttp = await EndToEnd(16, 1, printStages: true);
    Console.WriteLine($"profile: end-to-end unbatched, 16 agents, over HTTP: {Rate(overHttp)} msg/s");
    PrintWrites("over HTTP", beforeHttp);
    var beforeTwo = store.WriteStatistics;
    var twoRequests = await EndToEnd(16, 1, printStages: true, ackOnReceive: true);
    Console.WriteLine($"profile: end-to-end unbatched, 16 agents, over HTTP, ack-on-receive (2 requests per message): {Rate(twoRequests)} msg/s");
    PrintWrites("ack-on-receive", beforeTwo);
    var beforeLatency = store.WriteStatistics;
    var (profileP50, profileP99, profileRate) = await SteadySendLatency(1000);
    PrintWrites("steady", beforeLatency);
    Console.WriteLine($"profile: send latency at a steady {Rate(profileRate)} msg/s: p50 {profileP50:F2} ms, p99 {profileP99:F2} ms");
    Directory.Delete(directory, recursive: true);
    return 0;
}

var raw = RawSqliteInserts();
Console.WriteLine($"raw sqlite durable inserts (WAL, synchronous=FULL, 1 per transaction): {Rate(raw)} /s");
var results = new Dictionary<int, double>();
foreach (var agents in new[] { 1, 16, 64 })
{
    var before = store.WriteStatistics;
    results[agents] = await EndToEnd(agents, 1, printStages: true);
    Console.WriteLine($"end-to-end unbatched (send, receive, ack), {agents,2} agents: {Rate(results[agents])} msg/s");
    PrintWrites("", before);
}

var beforeAckOnReceive = store.WriteStatistics;
var ackOnReceive16 = await EndToEnd(16, 1, printStages: true, ackOnReceive: true);
Console.WriteLine($"end-to-end unbatched, ack-on-receive (send, receive+ack: 2 requests per message), 16 agents: {Rate(ackOnReceive16)} msg/s");
PrintWrites("", beforeAckOnReceive);

Console.WriteLine($"ratio end-to-end(16 agents) / raw sqlite inserts: {results[16] / raw:P0}");
var (p50, p99, achieved) = await SteadySendLatency(1000);
Console.WriteLine($"send latency at a steady {Rate(achieved)} msg/s: p50 {p50:F2} ms, p99 {p99:F2} ms");
var batched = await EndToEnd(16, 100);
Console.WriteLine($"end-to-end batched (100 per send/receive/ack), 16 agents: {Rate(batched)} msg/s");
var onRabbit = await SwarmOnRabbitMq();
if (await RawRabbitMqBest() is { } rabbit)
{
    Console.WriteLine($"batched exchange / raw rabbitmq (best configuration): {batched / rabbit.Rate:P0}");
    if (onRabbit.Count > 0)
    {
        Console.WriteLine($"swarmps on rabbitmq through 2 gateways / raw rabbitmq (best configuration): unbatched {onRabbit[(2, 1)] / rabbit.Rate:P0}, batched {onRabbit[(2, 100)] / rabbit.Rate:P0}");
        Console.WriteLine($"2 gateways / 1 gateway: unbatched {onRabbit[(2, 1)] / onRabbit[(1, 1)]:P0}, batched {onRabbit[(2, 100)] / onRabbit[(1, 100)]:P0}");
    }
}

Directory.Delete(directory, recursive: true);
return 0;
