using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The exchange on a RabbitMQ cluster (docs/exchange.md, "Backends"): one gateway's <see cref="IExchange"/>.
/// Any number of gateways with the same <see cref="RabbitMqSettings.Name"/> serve the same mailboxes and
/// are interchangeable: an agent may send through one and receive through another.
/// <list type="bullet">
/// <item>Each mailbox is a quorum queue (replicated on the cluster's nodes) with a single active consumer,
/// so its order is the queue's (FIFO) whichever gateway serves it.</item>
/// <item>A send returns once the broker confirmed the message (on a quorum of nodes) and the registry log
/// recorded its id.</item>
/// <item>Leases are the broker's unacknowledged deliveries (<see cref="MailboxLeases"/>).</item>
/// <item>Mailboxes, liveness and stored ids are the fold of the registry log every gateway reads
/// (<see cref="RegistryLog"/>, <see cref="MailboxRegistry"/>): a message id stored through any gateway is
/// a duplicate through every other, and a copy that still reaches a queue twice (a send retried through a
/// second gateway before the first one's record arrived) is dropped when it is delivered.</item>
/// </list>
/// </summary>
public sealed class RabbitMqMailboxStore : IExchangeStore
{
    public const string FromHeader = "swarm-from";
    public const string SentAtHeader = "swarm-sent-at";

    /// <summary>Publisher channels per gateway: enough that confirms of concurrent requests overlap.</summary>
    private const int PublisherChannels = 8;

    /// <summary>How long a send keeps trying while the cluster elects a new leader or the gateway reconnects to another node.</summary>
    public static readonly TimeSpan SendRetryWindow = TimeSpan.FromSeconds(30);

    private readonly RabbitMqSettings _settings;
    private readonly BrokerConnection _broker;
    private readonly RegistryLog _log;
    private readonly IChannel?[] _publishers = new IChannel?[PublisherChannels];
    private readonly SemaphoreSlim[] _publisherGates = Enumerable.Range(0, PublisherChannels).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly ConcurrentDictionary<Guid, MailboxLeases> _leases = new();
    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ushort _prefetch;
    private Task? _sweeping;
    private int _nextPublisher;
    private long _sends;
    private long _publishTicks;
    private long _recordTicks;
    private int _disposed;

    private RabbitMqMailboxStore(RabbitMqSettings settings, ExchangeLimits limits)
    {
        _settings = settings;
        Limits = limits;
        _prefetch = MailboxLeases.Prefetch(limits);
        _broker = new BrokerConnection(settings, $"swarmps-gateway {Environment.MachineName} pid {Environment.ProcessId}");
        _log = new RegistryLog(_broker, settings);
        _log.Registry.AcknowledgedElsewhere = (mailbox, message) =>
        {
            // An acknowledgement made through another gateway: the delivery held here is let go, off the
            // fold's lock (acknowledging at the broker is network work).
            if (_leases.TryGetValue(mailbox, out var leases))
            {
                _ = Task.Run(() => leases.AcknowledgeAsync([message]));
            }
        };
    }

    public ExchangeLimits Limits { get; }

    /// <summary>Send costs since the store opened (the benchmark's breakdown).</summary>
    public RabbitMqStatistics Statistics
    {
        get
        {
            var (entries, records) = _log.Written;
            return new RabbitMqStatistics(Interlocked.Read(ref _sends), Interlocked.Read(ref _publishTicks), Interlocked.Read(ref _recordTicks), entries, records);
        }
    }

    /// <summary>Connects, declares the registry log and reads it to its end; the store then answers like any other gateway of that exchange.</summary>
    public static async Task<RabbitMqMailboxStore> OpenAsync(RabbitMqSettings settings, ExchangeLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var store = new RabbitMqMailboxStore(settings, limits ?? new ExchangeLimits());
        try
        {
            await store._log.StartAsync(cancellationToken).ConfigureAwait(false);
            store._sweeping = Task.Run(store.SweepIdleConsumersAsync);
            return store;
        }
        catch (Exception error)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw error is SwarmException or OperationCanceledException ? error : store._broker.Unavailable(error);
        }
    }

    /// <summary>The queue of a mailbox: &lt;name&gt;.mailbox.&lt;id&gt;.</summary>
    public string QueueName(Guid mailbox) => $"{_settings.Name}.mailbox.{mailbox:D}";

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async Task<MailboxStatus> RegisterAsync(string runId, string agentName, CancellationToken cancellationToken = default)
    {
        if (!AgentName.IsValid(agentName) || agentName.Length > Limits.MaxNameLength)
        {
            throw ExchangeErrors.Invalid("AgentNameInvalid", $"The agent name '{string.Concat(agentName.Take(80).Select(c => char.IsControl(c) ? '?' : c))}' is not valid: it must be {AgentName.Rule}.", "Use the agent name as declared in the campaign (Test-SwarmCampaign checks it).");
        }

        var id = AgentMailboxId.For(runId, agentName);
        // The queue exists before any gateway can learn of the mailbox from the log, so a send through
        // another gateway right after this registration finds it. Declaring is idempotent: a claim that
        // loses leaves the queue that belongs to the same mailbox id anyway.
        await DeclareMailboxQueueAsync(id, cancellationToken).ConfigureAwait(false);
        var claim = Guid.NewGuid();
        await _log.AppendAsync(
            [new RegistryRecord
            {
                Kind = RegistryRecord.Register, Mailbox = id, At = NowMs, RunId = runId, Name = agentName, Claim = claim,
                HeartbeatThresholdMs = (long)Limits.HeartbeatThreshold.TotalMilliseconds, MaxMailboxes = Limits.MaxMailboxes, MaxMailboxesPerRun = Limits.MaxMailboxesPerRun,
            }],
            folded: true,
            cancellationToken).ConfigureAwait(false);
        var (outcome, status) = _log.Read(r => (r.Outcome(claim), r.Status(id, NowMs, Limits.HeartbeatThreshold)));
        if (outcome is { Won: false, Lost: { } lost })
        {
            throw lost;
        }

        return status ?? throw ExchangeErrors.MailboxNotFound(id);
    }

    public async Task<MailboxStatus> HeartbeatAsync(Guid mailboxId, CancellationToken cancellationToken = default)
    {
        var status = await KnownAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (status.State == MailboxState.Terminated)
        {
            throw ExchangeErrors.MailboxTerminated(mailboxId);
        }

        await _log.AppendAsync(
            [new RegistryRecord { Kind = RegistryRecord.Heartbeat, Mailbox = mailboxId, At = NowMs, RunId = status.RunId, Name = status.Name, RegisteredAt = status.RegisteredAt.ToUnixTimeMilliseconds() }],
            folded: true,
            cancellationToken).ConfigureAwait(false);
        var now = _log.Read(r => r.Status(mailboxId, NowMs, Limits.HeartbeatThreshold))!;
        return now.State == MailboxState.Terminated ? throw ExchangeErrors.MailboxTerminated(mailboxId) : now;
    }

    public async Task<MailboxStatus> TerminateAsync(Guid mailboxId, CancellationToken cancellationToken = default)
    {
        await KnownAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        await _log.AppendAsync([new RegistryRecord { Kind = RegistryRecord.Terminate, Mailbox = mailboxId, At = NowMs }], folded: true, cancellationToken).ConfigureAwait(false);
        return _log.Read(r => r.Status(mailboxId, NowMs, Limits.HeartbeatThreshold))!;
    }

    public async Task<IReadOnlyList<MailboxStatus>> GetStatusAsync(IReadOnlyCollection<Guid> mailboxIds, CancellationToken cancellationToken = default)
    {
        if (mailboxIds.Count > Limits.MaxMailboxesPerRun)
        {
            throw ExchangeErrors.Invalid("StatusQueryTooLarge", $"A status query may name at most {Limits.MaxMailboxesPerRun} mailboxes, not {mailboxIds.Count}.", "Query in smaller groups.");
        }

        // Read after everything appended so far: a mailbox registered or a message sent a moment ago
        // through another gateway is counted.
        await _log.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        return _log.Read(r => mailboxIds.Distinct().Select(id => r.Status(id, NowMs, Limits.HeartbeatThreshold)).OfType<MailboxStatus>().ToList());
    }

    public async Task<SendReceipt> SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default) =>
        (await SendBatchAsync([message], cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<SendReceipt>> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        Limits.Validate(messages);
        foreach (var target in messages.Select(m => m.To).Distinct())
        {
            if ((await KnownAsync(target, cancellationToken).ConfigureAwait(false)).State == MailboxState.Terminated)
            {
                throw ExchangeErrors.MailboxTerminated(target);
            }
        }

        // Every check is made before anything is published: a batch refused for its content stores nothing.
        var receipts = new SendReceipt[messages.Count];
        var fresh = new List<OutgoingMessage>();
        var inBatch = new HashSet<(Guid, Guid)>();
        var pending = _log.Read(r =>
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                var duplicate = r.IsStored(message.To, message.Id) || !inBatch.Add((message.To, message.Id));
                receipts[i] = new SendReceipt(message.Id, message.To, duplicate);
                if (!duplicate)
                {
                    fresh.Add(message);
                }
            }

            return r.Pending;
        });
        if (fresh.Count > 0 && pending + fresh.Count > Limits.MaxPendingMessages)
        {
            throw new SwarmException(
                "ExchangePendingLimitReached",
                $"The exchange already holds {pending} unacknowledged messages; {fresh.Count} more would exceed its limit of {Limits.MaxPendingMessages}.",
                "Let the receiving agents catch up (receive and acknowledge), terminate mailboxes nobody reads, or raise the exchange's MaxPendingMessages limit.",
                SwarmErrorCategory.InvalidOperation);
        }

        if (fresh.Count == 0)
        {
            return receipts;
        }

        var started = Stopwatch.GetTimestamp();
        await PublishAsync(fresh, cancellationToken).ConfigureAwait(false);
        var published = Stopwatch.GetTimestamp();
        var now = NowMs;
        _log.Read(r =>
        {
            foreach (var message in fresh)
            {
                r.MarkStored(message.To, message.Id, now);
            }

            return 0;
        });
        // The ids go to the log so a resend through another gateway is known for a duplicate (milliseconds
        // later, once the log brings it there). Not awaited: the message is safe once the broker confirmed it,
        // and a copy stored anyway (a resend racing the record, or this gateway dying before it went out) is
        // dropped where it is delivered, against the ids held there and the ids the log says were acknowledged.
        // Awaiting it cost a second confirm round trip per send (docs/benchmarks.md, "Issue 15").
        var records = fresh.GroupBy(m => m.To).Select(g => new RegistryRecord { Kind = RegistryRecord.Sent, Mailbox = g.Key, At = now, Messages = g.Select(m => m.Id).ToArray() }).ToList();
        var recorded = _log.AppendAsync(records, folded: false, CancellationToken.None);
        Interlocked.Increment(ref _sends);
        Interlocked.Add(ref _publishTicks, published - started);
        _ = recorded.ContinueWith(
            t => Interlocked.Add(ref _recordTicks, Stopwatch.GetTimestamp() - published),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return receipts;
    }

    /// <summary>
    /// Publishes each message to its mailbox's queue and waits for every confirm; a publish that fails
    /// (the node went away, the queue is electing a leader) is tried again on a fresh channel, on whichever
    /// node answers, for up to <see cref="SendRetryWindow"/>. A retry may store a second copy; its id makes
    /// the receiving side drop it.
    /// </summary>
    private async Task PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var slot = (int)((uint)Interlocked.Increment(ref _nextPublisher) % PublisherChannels);
        while (true)
        {
            IChannel? channel = null;
            // A confirm that never comes (a broker blocking publishers on a disk or memory alarm) must not
            // hold the request, and its slot in the gateway, for ever.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(SendRetryWindow);
            try
            {
                var open = channel = await PublisherAsync(slot, attempt.Token).ConfigureAwait(false);
                var publishing = messages.Select(m => open.BasicPublishAsync("", QueueName(m.To), mandatory: true, Properties(m), Encoding.UTF8.GetBytes(m.Body), attempt.Token).AsTask()).ToList();
                await Task.WhenAll(publishing).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await DropPublisherAsync(slot, channel).ConfigureAwait(false);
                throw new SwarmException(
                    "BrokerUnavailable",
                    $"The RabbitMQ broker ({string.Join(", ", _settings.Brokers)}) did not confirm {messages.Count} message(s) within {SendRetryWindow.TotalSeconds:0} s.",
                    "Check the broker for a resource alarm that blocks publishers (rabbitmqctl status: disk or memory alarm) or a queue without a leader; the send is safe to retry with the same message ids.",
                    SwarmErrorCategory.OperationTimeout,
                    _settings.Name);
            }
            catch (PublishReturnException returned) when (returned.ReplyCode == 312)
            {
                // NO_ROUTE: the queue is gone (deleted by hand on the broker) though the registry knows the mailbox.
                throw new SwarmException(
                    "MailboxQueueMissing",
                    $"The queue '{returned.RoutingKey}' of a registered mailbox does not exist on the broker.",
                    "Someone deleted it on the broker; the agent that owns the mailbox re-creates it by registering again (restart it).",
                    SwarmErrorCategory.ResourceUnavailable,
                    returned.RoutingKey);
            }
            catch (Exception error) when (error is not OperationCanceledException && error is not SwarmException { ErrorId: "BrokerAuthenticationFailed" })
            {
                await DropPublisherAsync(slot, channel).ConfigureAwait(false);
                if (clock.Elapsed > SendRetryWindow)
                {
                    throw error as SwarmException ?? _broker.Unavailable(error);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                slot = (slot + 1) % PublisherChannels;
            }
        }
    }

    private static BasicProperties Properties(OutgoingMessage message)
    {
        var now = DateTimeOffset.UtcNow;
        var headers = new Dictionary<string, object?> { [SentAtHeader] = now.ToUnixTimeMilliseconds() };
        if (message.From is { } from)
        {
            headers[FromHeader] = from.ToString("D");
        }

        return new BasicProperties
        {
            MessageId = message.Id.ToString("D"),
            Persistent = true,
            Timestamp = new AmqpTimestamp(now.ToUnixTimeSeconds()),
            Headers = headers,
        };
    }

    private async Task<IChannel> PublisherAsync(int slot, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _publishers[slot]) is { IsOpen: true } open)
        {
            return open;
        }

        await _publisherGates[slot].WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_publishers[slot] is { IsOpen: true } current)
            {
                return current;
            }

            var channel = await _broker.OpenChannelAsync(confirms: true, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _publishers[slot], channel);
            return channel;
        }
        finally
        {
            _publisherGates[slot].Release();
        }
    }

    private async Task DropPublisherAsync(int slot, IChannel? failed)
    {
        if (failed is null || Interlocked.CompareExchange(ref _publishers[slot], null, failed) != failed)
        {
            return;
        }

        try
        {
            await failed.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
        {
        }
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(Guid mailboxId, ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        Limits.Validate(request);
        await KnownAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        if (request.Acknowledge is { Count: > 0 } acknowledge)
        {
            await AcknowledgeCoreAsync(mailboxId, acknowledge, cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var leases = _leases.GetOrAdd(mailboxId, id => new MailboxLeases(id, QueueName(id), (mailbox, message) => _log.Read(r => r.IsAcknowledged(mailbox, message))));
            if (await leases.ReceiveAsync(_broker, request, _prefetch, () => _log.Read(r => r.PendingOf(mailboxId)), cancellationToken).ConfigureAwait(false) is { } received)
            {
                return received;
            }

            // That consumer was retired a moment ago by the idle sweep: take a new one.
            _leases.TryRemove(KeyValuePair.Create(mailboxId, leases));
        }
    }

    public Task<int> AcknowledgeAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0 || messageIds.Count > Limits.MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"An acknowledgement must name 1 to {Limits.MaxBatch} message ids, not {messageIds.Count}.", $"Acknowledge in groups of at most {Limits.MaxBatch}.");
        }

        return AcknowledgeCoreAsync(mailboxId, messageIds, cancellationToken);
    }

    /// <summary>
    /// Marks the ids acknowledged in the registry (here at once, everywhere through the log), which lets
    /// the gateway holding each delivery, this one or another, acknowledge it at the broker. Returns how
    /// many were pending.
    /// </summary>
    private async Task<int> AcknowledgeCoreAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        if (!_log.Read(r => messageIds.All(id => r.IsStored(mailboxId, id))))
        {
            // An id stored through another gateway a moment ago: read its record first, so it counts.
            await _log.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        }

        var now = NowMs;
        var ids = messageIds.Distinct().ToArray();
        var acknowledged = _log.Read(r => ids.Count(id => r.MarkAcknowledged(mailboxId, id, now)));
        if (_leases.TryGetValue(mailboxId, out var leases))
        {
            await leases.AcknowledgeAsync(ids).ConfigureAwait(false);
        }

        // The record tells the other gateways: their pending counts drop, a copy redelivered after a failover
        // is dropped, and one holding the delivery lets it go. It is confirmed before the answer, so a status
        // asked of any gateway afterwards no longer counts these messages.
        await _log.AppendAsync([new RegistryRecord { Kind = RegistryRecord.Acknowledged, Mailbox = mailboxId, At = now, Messages = ids }], folded: false, cancellationToken).ConfigureAwait(false);
        return acknowledged;
    }

    public Task<int> ReleaseAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0 || messageIds.Count > Limits.MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"A release must name 1 to {Limits.MaxBatch} message ids, not {messageIds.Count}.", $"Release in groups of at most {Limits.MaxBatch}.");
        }

        return Task.FromResult(_leases.TryGetValue(mailboxId, out var leases) ? leases.Release(messageIds) : 0);
    }

    public async Task<ExchangeSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        await _log.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        var (mailboxes, active, pending) = _log.Read(r =>
        {
            var all = r.All(NowMs, Limits.HeartbeatThreshold).ToList();
            return (all.Count, all.Count(m => m.State == MailboxState.Active), r.Pending);
        });
        return new ExchangeSummary(mailboxes, active, pending, _log.BytesRead) { Backend = $"{nameof(ExchangeBackend.RabbitMq)} {_settings.Name}" };
    }

    /// <summary>The mailbox's status; a mailbox this gateway has not heard of yet is looked for once more after reading the log to its end.</summary>
    private async Task<MailboxStatus> KnownAsync(Guid mailboxId, CancellationToken cancellationToken)
    {
        if (_log.Read(r => r.Status(mailboxId, NowMs, Limits.HeartbeatThreshold)) is { } known)
        {
            return known;
        }

        await _log.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        return _log.Read(r => r.Status(mailboxId, NowMs, Limits.HeartbeatThreshold)) ?? throw ExchangeErrors.MailboxNotFound(mailboxId);
    }

    private async Task DeclareMailboxQueueAsync(Guid mailbox, CancellationToken cancellationToken)
    {
        try
        {
            var channel = await _broker.OpenChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
            await using (channel.ConfigureAwait(false))
            {
                await channel.QueueDeclareAsync(QueueName(mailbox), durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
                {
                    ["x-queue-type"] = "quorum",
                    ["x-single-active-consumer"] = true,
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            _declared.TryAdd(QueueName(mailbox), true);
        }
        catch (OperationInterruptedException error) when (error.ShutdownReason?.ReplyCode == 406)
        {
            throw new SwarmException(
                "MailboxQueueConflict",
                $"The broker already has a queue '{QueueName(mailbox)}' declared differently (not a single-consumer quorum queue): {error.ShutdownReason.ReplyText}",
                $"Something other than SwarmPS uses the queue names of exchange '{_settings.Name}': give this exchange another name (-BrokerName), or delete that queue on the broker.",
                SwarmErrorCategory.ResourceExists,
                QueueName(mailbox),
                error);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            throw _broker.Unavailable(error);
        }
    }

    /// <summary>The queues this gateway declared (its registry log and the mailboxes registered through it).</summary>
    internal IReadOnlyCollection<string> DeclaredQueues => _declared.Keys.Append(_settings.Name + ".registry").ToList();

    /// <summary>Deletes <paramref name="queues"/> on the broker: tests clean the shared broker with it.</summary>
    internal static async Task DeleteQueuesAsync(RabbitMqSettings settings, IEnumerable<string> queues)
    {
        await using var broker = new BrokerConnection(settings, "swarmps-test-cleanup");
        var channel = await broker.OpenChannelAsync(confirms: false, CancellationToken.None).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            foreach (var queue in queues)
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every second, closes the consumers nobody has used for a while, so their queues can move to the gateway their agents use now.</summary>
    private async Task SweepIdleConsumersAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow;
                foreach (var (mailbox, leases) in _leases)
                {
                    if (leases.TryRetire(now) && _leases.TryRemove(KeyValuePair.Create(mailbox, leases)))
                    {
                        await leases.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_sweeping is not null)
        {
            await _sweeping.ConfigureAwait(false);
        }

        foreach (var leases in _leases.Values)
        {
            await leases.DisposeAsync().ConfigureAwait(false);
        }

        for (var slot = 0; slot < PublisherChannels; slot++)
        {
            await DropPublisherAsync(slot, _publishers[slot]).ConfigureAwait(false);
        }

        await _log.DisposeAsync().ConfigureAwait(false);
        await _broker.DisposeAsync().ConfigureAwait(false);
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
