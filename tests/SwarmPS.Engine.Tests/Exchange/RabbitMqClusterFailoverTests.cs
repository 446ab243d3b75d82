using System.Collections.Concurrent;
using System.Diagnostics;
using SwarmPS.Engine.Exchange;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The RabbitMQ backend on a real three-node cluster (RabbitMqClusterFixture) with two gateways in their
/// own processes: under 16 senders and a receiver, the node that leads the mailbox's queue is killed with
/// SIGKILL. Every send a gateway acknowledged must be received (exactly once once copies are counted by
/// id), nothing may be received that nobody sent, and the test reports the pause the failover caused.
/// </summary>
[Collection("rabbitmq-cluster")]
public sealed class RabbitMqClusterFailoverTests(RabbitMqClusterFixture cluster, ITestOutputHelper output) : IDisposable
{
    private const string Token = "cluster-failover-token-0123456789abcdef";
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-rmq-cluster-").FullName;
    private readonly List<ExchangeHostProcess> _gateways = new();
    private readonly RabbitMqSettings _settings = Settings(cluster, "failover-" + Guid.NewGuid().ToString("N")[..12]);
    private int? _killed;

    private static RabbitMqSettings Settings(RabbitMqClusterFixture cluster, string name)
    {
        var credentials = Uri.UnescapeDataString(cluster.NodeUri(1).UserInfo).Split(':', 2);
        return new RabbitMqSettings
        {
            Brokers = cluster.NodeUris.Select(u => new Uri($"amqp://{u.Host}:{u.Port}{u.AbsolutePath}")).ToList(),
            User = credentials[0],
            Password = credentials[1],
            Name = name,
        };
    }

    [Fact]
    public async Task Killing_the_node_that_leads_the_mailbox_loses_no_acknowledged_send_and_invents_nothing()
    {
        var a = ExchangeHostProcess.StartOnBroker(Path.Combine(_root, "a"), Token, _settings);
        _gateways.Add(a);
        var b = ExchangeHostProcess.StartOnBroker(Path.Combine(_root, "b"), Token, _settings);
        _gateways.Add(b);
        using var admin = new HttpExchangeClient(new ExchangeConnection(a.Url, Token));
        var receiver = await admin.RegisterAsync("run-1", "receiver");
        var queue = $"{_settings.Name}.mailbox.{receiver.Id:D}";
        var leader = cluster.QueueLeader(queue) ?? throw new InvalidOperationException($"{queue} has no leader");
        Assert.Equal([1, 2, 3], cluster.QueueMembers(queue));

        var attempted = new ConcurrentDictionary<Guid, bool>();
        var acknowledged = new ConcurrentDictionary<Guid, long>();
        var received = new ConcurrentDictionary<Guid, int>();
        var clock = Stopwatch.StartNew();
        using var stopSending = new CancellationTokenSource();
        using var stopReceiving = new CancellationTokenSource();

        // Half the senders start on gateway A, half on B; each moves to the other when its gateway fails.
        var senders = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var urls = i % 2 == 0 ? new[] { a.Url, b.Url } : new[] { b.Url, a.Url };
            using var client = new FailoverExchangeClient(new ExchangeConnection(urls, Token));
            while (!stopSending.IsCancellationRequested)
            {
                var message = OutgoingMessage.Create(receiver.Id, $"sender {i}");
                attempted[message.Id] = true;
                await client.SendAsync(message);
                acknowledged[message.Id] = clock.ElapsedMilliseconds;
            }
        })).ToList();
        var receiving = Task.Run(async () =>
        {
            using var client = new FailoverExchangeClient(new ExchangeConnection([b.Url, a.Url], Token));
            while (!stopReceiving.IsCancellationRequested)
            {
                var batch = await client.ReceiveAsync(receiver.Id, new ReceiveRequest(100, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)));
                foreach (var message in batch)
                {
                    received.AddOrUpdate(message.Id, 1, (_, copies) => copies + 1);
                }

                if (batch.Count > 0)
                {
                    await client.AcknowledgeAsync(receiver.Id, batch.Select(m => m.Id).ToList());
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(3));
        var killedAt = clock.ElapsedMilliseconds;
        cluster.KillNode(leader);
        _killed = leader;
        await Task.Delay(TimeSpan.FromSeconds(6));
        await stopSending.CancelAsync();
        await Task.WhenAll(senders);
        var drain = Stopwatch.StartNew();
        while (!acknowledged.Keys.All(received.ContainsKey) && drain.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(200);
        }

        await stopReceiving.CancelAsync();
        await receiving;

        var times = acknowledged.Values.Order().ToList();
        var before = times.Where(t => t <= killedAt).DefaultIfEmpty(0).Max();
        var after = times.Where(t => t > killedAt).DefaultIfEmpty(long.MaxValue).Min();
        var longestGap = times.Zip(times.Skip(1), (x, y) => y - x).DefaultIfEmpty(0).Max();
        output.WriteLine(
            $"leader node {leader} killed at {killedAt} ms; {acknowledged.Count} sends acknowledged ({attempted.Count} attempted), " +
            $"{received.Count} distinct received, {received.Values.Sum() - received.Count} extra copies dropped by id; " +
            $"no send acknowledged for {after - before} ms around the kill (longest gap in the run {longestGap} ms); new leader {cluster.QueueLeader(queue)}");
        Assert.True(times.Count(t => t > killedAt) > 100, $"only {times.Count(t => t > killedAt)} sends acknowledged after the kill: the exchange did not keep going");
        Assert.Empty(acknowledged.Keys.Where(id => !received.ContainsKey(id)));
        Assert.Empty(received.Keys.Where(id => !attempted.ContainsKey(id)));
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }

        if (_killed is { } node)
        {
            cluster.RestartNode(node);
        }

        Directory.Delete(_root, recursive: true);
    }
}
