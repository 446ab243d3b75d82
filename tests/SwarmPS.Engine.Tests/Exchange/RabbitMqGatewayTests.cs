using System.Collections.Concurrent;
using System.Diagnostics;
using SwarmPS.Engine.Exchange;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The conformance suite through real HTTP on 127.0.0.1: HttpExchangeClient → ExchangeGateway → RabbitMQ backend.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqHttpConformanceTests(RabbitMqBrokerFixture broker) : ExchangeConformance
{
    private const string Token = "conformance-token-0123456789";
    private RabbitMqSettings? _settings;
    private RabbitMqMailboxStore? _store;
    private ExchangeGateway? _gateway;

    protected override async Task<IExchange> CreateAsync(ExchangeLimits limits)
    {
        _settings = broker.Settings("conf-http-" + Guid.NewGuid().ToString("N")[..12]);
        _store = await RabbitMqMailboxStore.OpenAsync(_settings, limits);
        _gateway = ExchangeGateway.Start(_store, limits, Token);
        return new HttpExchangeClient(new ExchangeConnection(_gateway.Url, Token));
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
            await RabbitMqMailboxStore.DeleteQueuesAsync(_settings!, _store.DeclaredQueues);
        }
    }
}

/// <summary>
/// Several gateways in front of one broker are one exchange: each in its own process (the test host), as
/// operators run them, so killing one is a real kill -9.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqGatewayTests(RabbitMqBrokerFixture broker, ITestOutputHelper output) : IDisposable
{
    private const string Token = "gateway-test-token-0123456789abcdef";
    private readonly RabbitMqSettings _settings = broker.Settings("gw-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-rmq-gateways-").FullName;
    private readonly List<ExchangeHostProcess> _gateways = new();
    private readonly HashSet<string> _queues = new(StringComparer.Ordinal);

    private ExchangeHostProcess StartGateway()
    {
        var gateway = ExchangeHostProcess.StartOnBroker(Path.Combine(_root, $"gateway-{_gateways.Count}"), Token, _settings);
        _gateways.Add(gateway);
        return gateway;
    }

    private static HttpExchangeClient Client(ExchangeHostProcess gateway) => new(new ExchangeConnection(gateway.Url, Token));

    private MailboxStatus Remember(MailboxStatus mailbox)
    {
        _queues.Add($"{_settings.Name}.mailbox.{mailbox.Id:D}");
        return mailbox;
    }

    [Fact]
    public async Task An_agent_may_register_and_send_through_one_gateway_and_long_poll_through_another()
    {
        var a = StartGateway();
        var b = StartGateway();
        using var throughA = Client(a);
        using var throughB = Client(b);
        var receiver = Remember(await throughA.RegisterAsync("run-1", "receiver"));

        // B learns of the mailbox from the registry log: discovery by id, the name kept.
        Assert.Equal("receiver", Assert.Single(await throughB.GetStatusAsync([receiver.Id])).Name);
        var waiting = throughB.ReceiveAsync(receiver.Id, new ReceiveRequest(10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20)));
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        var message = OutgoingMessage.Create(receiver.Id, "across gateways");
        Assert.False((await throughA.SendAsync(message)).Duplicate);

        var received = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("across gateways", Assert.Single(received).Body);
        // The id stored through A is a duplicate through B once A's record reached B's fold. A send does not
        // wait for its record (RabbitMqMailboxStore.SendBatchAsync), so the test waits for it: a status read
        // through A returns after A's later mark was folded (its log writes in order, so the record went out
        // before it), and one through B after B folded everything appended before it, that record included.
        // A resend racing the record is the other half of the guarantee: dropped where it is delivered
        // (A_resend_racing_the_record_is_delivered_once below).
        await throughA.GetStatusAsync([receiver.Id]);
        await throughB.GetStatusAsync([receiver.Id]);
        Assert.True((await throughB.SendAsync(message)).Duplicate);
        Assert.Equal(1, await throughB.AcknowledgeAsync(receiver.Id, [received[0].Id]));
        Assert.Equal(0, Assert.Single(await throughA.GetStatusAsync([receiver.Id])).Pending);
        await Assert.ThrowsAsync<SwarmException>(() => throughB.RegisterAsync("run-1", "receiver"));
    }

    [Fact]
    public async Task A_resend_racing_the_record_is_delivered_once()
    {
        var a = StartGateway();
        var b = StartGateway();
        using var throughA = Client(a);
        using var throughB = Client(b);
        var receiver = Remember(await throughA.RegisterAsync("run-1", "receiver"));
        await throughB.GetStatusAsync([receiver.Id]);

        // Each message is sent through A and at once again through B, before A's record can have reached B:
        // B may store a second copy, which must never reach the receiver.
        var sent = Enumerable.Range(0, 20).Select(i => OutgoingMessage.Create(receiver.Id, $"message {i}")).ToList();
        var secondCopies = 0;
        foreach (var message in sent)
        {
            var receipts = await Task.WhenAll(throughA.SendAsync(message), throughB.SendAsync(message));
            secondCopies += receipts.Count(r => !r.Duplicate) - 1;
        }

        output.WriteLine($"{secondCopies} of {sent.Count} resends stored a second copy");

        var bodies = new List<string>();
        var deadline = Stopwatch.StartNew();
        while (bodies.Count < sent.Count && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var batch = await throughB.ReceiveAsync(receiver.Id, new ReceiveRequest(10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2)));
            bodies.AddRange(batch.Select(m => m.Body));
            if (batch.Count > 0)
            {
                await throughB.AcknowledgeAsync(receiver.Id, batch.Select(m => m.Id).ToList());
            }
        }

        // A second copy would come after the first: one more wait finds nothing.
        bodies.AddRange((await throughB.ReceiveAsync(receiver.Id, new ReceiveRequest(10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3)))).Select(m => m.Body));
        Assert.Equal(sent.Select(m => m.Body), bodies);
    }

    [Fact]
    public async Task A_gateway_killed_mid_load_loses_no_acknowledged_send_and_agents_move_to_the_other()
    {
        var a = StartGateway();
        var b = StartGateway();
        using var admin = Client(b);
        var receiver = Remember(await admin.RegisterAsync("run-1", "receiver"));
        var acknowledged = new ConcurrentDictionary<Guid, bool>();
        var attempted = new ConcurrentDictionary<Guid, bool>();
        var sendTimes = new ConcurrentQueue<long>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();

        // 16 senders, every one starting on gateway A with B as its fallback.
        var senders = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            using var client = new FailoverExchangeClient(new ExchangeConnection([a.Url, b.Url], Token));
            while (!stop.IsCancellationRequested)
            {
                var message = OutgoingMessage.Create(receiver.Id, $"sender {i} at {clock.ElapsedMilliseconds}");
                attempted[message.Id] = true;
                await client.SendAsync(message);
                acknowledged[message.Id] = true;
                sendTimes.Enqueue(clock.ElapsedMilliseconds);
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var killedAt = clock.ElapsedMilliseconds;
        a.KillHard();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        var received = new HashSet<Guid>();
        using var reader = new FailoverExchangeClient(new ExchangeConnection([a.Url, b.Url], Token));
        var deadline = Stopwatch.StartNew();
        while (!acknowledged.Keys.All(received.Contains) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var batch = await reader.ReceiveAsync(receiver.Id, new ReceiveRequest(100, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)));
            foreach (var message in batch)
            {
                received.Add(message.Id);
            }

            if (batch.Count > 0)
            {
                await reader.AcknowledgeAsync(receiver.Id, batch.Select(m => m.Id).ToList());
            }
        }

        var after = sendTimes.Where(t => t > killedAt).DefaultIfEmpty(long.MaxValue).Min();
        output.WriteLine($"{acknowledged.Count} sends acknowledged ({attempted.Count} attempted), {received.Count} distinct received; first acknowledged send {after - killedAt} ms after the kill -9 of gateway A");
        Assert.True(acknowledged.Count > 100, $"only {acknowledged.Count} sends acknowledged");
        Assert.Empty(acknowledged.Keys.Where(id => !received.Contains(id)));
        Assert.Empty(received.Where(id => !attempted.ContainsKey(id)));
        Assert.True(sendTimes.Any(t => t > killedAt), "no send was acknowledged after the kill: the senders did not move to gateway B");
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }

        _queues.Add(_settings.Name + ".registry");
        RabbitMqMailboxStore.DeleteQueuesAsync(_settings, _queues).GetAwaiter().GetResult();
        Directory.Delete(_root, recursive: true);
    }
}
