using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The cluster of RabbitMqClusterFixture is the real thing the RabbitMQ exchange backend's failover tests
/// need: a quorum queue replicated on all three nodes keeps every confirmed message when its leader is
/// killed with SIGKILL, another node takes publishes again, and the killed node rejoins.
/// </summary>
[Collection("rabbitmq-cluster")]
public sealed class RabbitMqClusterInfraTests(RabbitMqClusterFixture cluster, ITestOutputHelper output)
{
    private const int Messages = 2000;
    private const int Publishers = 8;
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(30);

    // Confirms tracked per publish (BasicPublishAsync completes when the broker confirmed it); no rate limiter:
    // the default one throttles to ~128 msg/s.
    private static readonly CreateChannelOptions Confirmed = new(
        publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);

    private static readonly Dictionary<string, object?> Quorum = new() { ["x-queue-type"] = "quorum" };

    [Fact]
    public async Task AQuorumQueueKeepsEveryConfirmedMessageWhenItsLeaderIsKilledAndTheNodeRejoins()
    {
        output.WriteLine($"cluster start (start-rabbitmq-cluster.sh in the fixture): {cluster.StartSeconds:F2} s");
        var queue = "infra-failover-" + Guid.NewGuid().ToString("N")[..12];
        var attempted = new HashSet<string>();
        var confirmed = new HashSet<string>();

        await using (var declaring = await ConnectAsync(1))
        await using (var channel = await declaring.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: Quorum);
        }

        Assert.Equal([1, 2, 3], cluster.QueueMembers(queue));

        var clock = Stopwatch.StartNew();
        await using (var publishing = await ConnectAsync(1))
        {
            var slices = Enumerable.Range(0, Publishers).Select(p => Enumerable.Range(0, Messages).Where(m => m % Publishers == p).Select(m => $"m-{m}").ToList()).ToList();
            attempted.UnionWith(slices.SelectMany(s => s));
            var done = await Task.WhenAll(slices.Select(async slice =>
            {
                await using var channel = await publishing.CreateChannelAsync(Confirmed);
                foreach (var id in slice)
                {
                    await PublishAsync(channel, queue, id, CancellationToken.None);
                }

                return slice;
            }));
            confirmed.UnionWith(done.SelectMany(s => s));
        }

        output.WriteLine($"published {confirmed.Count} persistent messages with confirms in {clock.Elapsed.TotalSeconds:F2} s ({confirmed.Count / clock.Elapsed.TotalSeconds:F0} msg/s)");
        Assert.Equal(Messages, confirmed.Count);

        var leader = cluster.QueueLeader(queue) ?? throw new InvalidOperationException($"Queue {queue} has no leader before the kill.");
        var survivor = leader % 3 + 1;
        await using var connection = await ConnectAsync(survivor);
        var probes = await connection.CreateChannelAsync(Confirmed);
        // A long-lived publisher: this channel has published to the queue before the leader dies. (RabbitMQ
        // 3.10: a channel whose FIRST publish to the queue comes before the new leader is elected nacks that
        // publish and every later one - seen for 30 s, twice - until the channel is reopened.)
        attempted.Add("p-warm");
        await PublishAsync(probes, queue, "p-warm", CancellationToken.None);
        confirmed.Add("p-warm");

        var pid = cluster.KillNode(leader);
        var sinceKill = Stopwatch.StartNew();
        output.WriteLine($"killed the leader, node {leader} (beam pid {pid}); publishing through node {survivor}");

        // A publish sent after the kill is confirmed once a new leader took the queue over.
        TimeSpan? pause = null;
        var failures = new Dictionary<string, (int Count, double First, double Last)>();
        for (var probe = 0; pause is null && sinceKill.Elapsed < FailoverLimit; probe++)
        {
            var id = $"p-{probe}";
            attempted.Add(id);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await PublishAsync(probes, queue, id, patience.Token);
                confirmed.Add(id);
                pause = sinceKill.Elapsed;
            }
            catch (Exception error) when (error is PublishException or OperationCanceledException or AlreadyClosedException)
            {
                var kind = error.GetType().Name;
                var at = sinceKill.Elapsed.TotalSeconds;
                failures[kind] = failures.TryGetValue(kind, out var seen) ? (seen.Count + 1, seen.First, at) : (1, at, at);
                if (probes.IsClosed)
                {
                    await probes.DisposeAsync();
                    probes = await connection.CreateChannelAsync(Confirmed);
                }

                await Task.Delay(20);
            }
        }

        foreach (var (kind, (count, first, last)) in failures)
        {
            output.WriteLine($"  {count} probe(s) failed with {kind}, from {first:F2} s to {last:F2} s after the kill");
        }

        await probes.DisposeAsync();
        Assert.True(pause is not null, $"No publish to {queue} was confirmed within {FailoverLimit.TotalSeconds} s of killing its leader (node {leader}).");
        var newLeader = await NewLeaderAsync(queue, leader);
        output.WriteLine($"failover: the queue confirmed publishes again {pause!.Value.TotalSeconds:F3} s after the kill; new leader node {newLeader}");

        // Drain the queue through the survivor: every confirmed message exactly once (counted by id, as a
        // quorum queue may redeliver), nothing that was never published.
        clock.Restart();
        var received = new HashSet<string>();
        var deliveries = 0;
        var redelivered = 0;
        var allConfirmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Count(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, bool redelivery)
        {
            lock (received)
            {
                deliveries++;
                redelivered += redelivery ? 1 : 0;
                received.Add(properties.MessageId ?? "(no id)");
                Assert.Equal(properties.MessageId, Encoding.UTF8.GetString(body.Span));
                if (confirmed.IsSubsetOf(received))
                {
                    allConfirmed.TrySetResult();
                }
            }
        }

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.BasicQosAsync(0, 500, global: false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                Count(delivery.BasicProperties, delivery.Body, delivery.Redelivered);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            };
            var tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            await allConfirmed.Task.WaitAsync(FailoverLimit);
            await channel.BasicCancelAsync(tag);
        }

        // what the consumer was not handed (probes that were sent but not confirmed) must be known too
        await using (var channel = await connection.CreateChannelAsync())
        {
            while (await channel.BasicGetAsync(queue, autoAck: false) is { } message)
            {
                Count(message.BasicProperties, message.Body, message.Redelivered);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
            }
        }

        output.WriteLine($"consumed {deliveries} deliveries ({received.Count} distinct, {redelivered} redelivered) in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Empty(confirmed.Except(received));   // none missing
        Assert.Empty(received.Except(attempted));    // none unknown

        clock.Restart();
        cluster.RestartNode(leader);
        output.WriteLine($"node {leader} restarted and rejoined in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal([1, 2, 3], cluster.RunningNodes());
        Assert.Equal([1, 2, 3], cluster.QueueMembers(queue));
        await using (var rejoined = await ConnectAsync(leader))
        await using (var channel = await rejoined.CreateChannelAsync())
        {
            // the rejoined node serves the queue again (and agrees it is empty)
            var state = await channel.QueueDeclarePassiveAsync(queue);
            Assert.Equal(0u, state.MessageCount);
            await channel.QueueDeleteAsync(queue);
        }
    }

    private static async Task PublishAsync(IChannel channel, string queue, string id, CancellationToken cancellation)
    {
        var properties = new BasicProperties { Persistent = true, MessageId = id };
        await channel.BasicPublishAsync("", queue, mandatory: true, basicProperties: properties, body: Encoding.UTF8.GetBytes(id), cancellationToken: cancellation);
    }

    private async Task<IConnection> ConnectAsync(int node)
    {
        var factory = new ConnectionFactory { Uri = cluster.NodeUri(node), AutomaticRecoveryEnabled = false, TopologyRecoveryEnabled = false };
        return await factory.CreateConnectionAsync($"infra-test-node{node}");
    }

    // rabbitmqctl may still name the dead leader for a moment after publishes are confirmed again
    private async Task<int> NewLeaderAsync(string queue, int killed)
    {
        var wait = Stopwatch.StartNew();
        while (true)
        {
            var leader = cluster.QueueLeader(queue);
            if (leader is { } node && node != killed)
            {
                return node;
            }

            Assert.True(wait.Elapsed < FailoverLimit, $"rabbitmqctl still names no new leader for {queue} {wait.Elapsed.TotalSeconds:F0} s after publishes were confirmed again (leader: {leader}).");
            await Task.Delay(200);
        }
    }
}
