using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

/// <summary>
/// Raw RabbitMQ, through its own client, configured as a RabbitMQ operator would for durable messaging, in
/// the shape of the exchange's end-to-end scenario: every agent has its own durable queue, publishes
/// persistent messages to the next agent's queue and consumes its own; the figure is acknowledged messages
/// per second. Per agent: its own connection (agents are separate processes in production), one publisher
/// channel with publisher confirms and a window of confirms in flight (not one round trip per message; the
/// client's confirmation rate limiter is off because the window bounds what is outstanding, and its default
/// would throttle to ~128 msg/s), and one consumer channel with a prefetch and multiple acks (one ack per
/// <see cref="AckEvery"/> deliveries). A publish counts as sent only once confirmed, i.e. fsynced by the
/// broker (classic queue) or committed by the Raft log (quorum queue), as a SwarmPS send is before its 200.
/// </summary>
internal static class RawRabbitMq
{
    public const string Host = "127.0.0.1";
    public const int Port = 5673;

    /// <summary>
    /// Deliveries a consumer may hold unacknowledged; well above the ack interval so acking never stalls
    /// delivery. Prefetch 64/ack 16, 256/16 and 1024/64 (and one shared connection instead of one per agent)
    /// were tried once each under load 7-8: within the run-to-run noise; 256/16 was the best of them.
    /// </summary>
    public const ushort Prefetch = 256;

    /// <summary>One ack (multiple: true) per this many deliveries; the rest is acknowledged when the run ends.</summary>
    public const int AckEvery = 16;

    public enum QueueKind
    {
        Classic,
        Quorum,
    }

    public sealed record Result(QueueKind Kind, int Window, double Rate, double CpuMicrosPerMessage)
    {
        public string Configuration => $"{Kind.ToString().ToLowerInvariant()} durable queues, {Window} confirm{(Window == 1 ? "" : "s")} in flight per publisher, prefetch {Prefetch}, ack every {AckEvery} (multiple)";
    }

    private static ConnectionFactory Factory(string name) => new()
    {
        HostName = Host,
        Port = Port,
        UserName = "test",
        Password = "test",
        VirtualHost = "test",
        ClientProvidedName = name,
    };

    /// <summary>False (and a line saying why) when the broker does not answer.</summary>
    public static async Task<bool> ReachableAsync()
    {
        try
        {
            await using var connection = await Factory("swarm-bench-probe").CreateConnectionAsync();
            return true;
        }
        catch (Exception error)
        {
            Console.WriteLine($"rabbitmq: not reachable on {Host}:{Port} ({error.GetType().Name}); start it with tests/infra/start-rabbitmq.sh");
            return false;
        }
    }

    /// <summary>Every window size once for both queue kinds; prints each and returns them all.</summary>
    public static async Task<List<Result>> SweepAsync(int agents, IReadOnlyList<int> windows, TimeSpan duration, byte[] body)
    {
        // Untimed: the client's code paths JIT-compiled before the first measured configuration.
        await MeasureAsync(QueueKind.Classic, agents, 16, TimeSpan.FromSeconds(1), body);
        var results = new List<Result>();
        foreach (var kind in new[] { QueueKind.Classic, QueueKind.Quorum })
        {
            foreach (var window in windows)
            {
                var result = await MeasureAsync(kind, agents, window, duration, body);
                Console.WriteLine($"  raw rabbitmq, {agents} agents, {result.Configuration}: {result.Rate.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} msg/s ({result.CpuMicrosPerMessage:F0} us client cpu per message)");
                results.Add(result);
            }
        }

        return results;
    }

    public static async Task<Result> MeasureAsync(QueueKind kind, int agents, int window, TimeSpan duration, byte[] body)
    {
        var queues = Enumerable.Range(0, agents).Select(i => $"swarm-bench-{kind.ToString().ToLowerInvariant()}-{i}").ToArray();
        var arguments = kind == QueueKind.Quorum ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null;
        var connections = new IConnection[agents];
        for (var i = 0; i < agents; i++)
        {
            connections[i] = await Factory($"swarm-bench-agent-{i}").CreateConnectionAsync();
        }

        try
        {
            await using (var setup = await connections[0].CreateChannelAsync())
            {
                foreach (var queue in queues)
                {
                    // Deleted first: a queue of the other kind, or one left by an interrupted run, starts over.
                    await setup.QueueDeleteAsync(queue);
                    await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments);
                }
            }

            long acknowledged = 0;
            var consumers = new (IChannel Channel, Func<Task> Flush)[agents];
            for (var i = 0; i < agents; i++)
            {
                consumers[i] = await ConsumeAsync(connections[i], queues[i], count => Interlocked.Add(ref acknowledged, count));
            }

            var properties = new BasicProperties { Persistent = true };
            using var stop = new CancellationTokenSource();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var publishers = Enumerable.Range(0, agents).Select(i => Task.Run(() => PublishAsync(connections[i], queues[(i + 1) % agents], window, properties, body, stop.Token))).ToArray();
            await Task.Delay(duration);
            var counted = Interlocked.Read(ref acknowledged);
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            stop.Cancel();
            await Task.WhenAll(publishers);
            foreach (var (channel, flush) in consumers)
            {
                await flush();
                await channel.CloseAsync();
                await channel.DisposeAsync();
            }

            await using (var cleanup = await connections[0].CreateChannelAsync())
            {
                foreach (var queue in queues)
                {
                    await cleanup.QueueDeleteAsync(queue);
                }
            }

            return new Result(kind, window, counted / elapsed, cpu.TotalMilliseconds * 1000 / Math.Max(1, counted));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.CloseAsync();
                connection.Dispose();
            }
        }
    }

    /// <summary>
    /// Publishes until <paramref name="stop"/> with at most <paramref name="window"/> unconfirmed publishes
    /// (a sliding window: the oldest confirm is awaited before the next publish once the window is full).
    /// </summary>
    private static async Task PublishAsync(IConnection connection, string queue, int window, BasicProperties properties, byte[] body, CancellationToken stop)
    {
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null);
        await using var channel = await connection.CreateChannelAsync(options);
        var inFlight = new Queue<ValueTask>(window);
        while (!stop.IsCancellationRequested)
        {
            if (inFlight.Count == window)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(channel.BasicPublishAsync("", queue, mandatory: false, basicProperties: properties, body: body));
        }

        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue();
        }
    }

    /// <summary>A consumer acknowledging every <see cref="AckEvery"/> deliveries at once; Flush acknowledges the rest.</summary>
    private static async Task<(IChannel Channel, Func<Task> Flush)> ConsumeAsync(IConnection connection, string queue, Action<long> acknowledged)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, Prefetch, global: false);
        ulong lastTag = 0;
        var unacknowledged = 0;
        var flushed = false;
        // Deliveries of one channel are dispatched one at a time; the gate only keeps the final flush from
        // acknowledging a tag twice (a channel error) while a last delivery is being handled.
        var gate = new SemaphoreSlim(1);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await gate.WaitAsync();
            try
            {
                if (flushed)
                {
                    return; // after the run: left to the queue's deletion
                }

                lastTag = delivery.DeliveryTag;
                if (++unacknowledged >= AckEvery)
                {
                    await channel.BasicAckAsync(lastTag, multiple: true);
                    acknowledged(unacknowledged);
                    unacknowledged = 0;
                }
            }
            finally
            {
                gate.Release();
            }
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        return (channel, async () =>
        {
            await channel.BasicCancelAsync(consumer.ConsumerTags[0]);
            await gate.WaitAsync();
            if (unacknowledged > 0)
            {
                await channel.BasicAckAsync(lastTag, multiple: true);
            }

            flushed = true;
            gate.Release();
        });
    }
}
