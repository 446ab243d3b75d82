using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// One gateway's consumer of one mailbox queue, and the exchange's leases on top of it. The broker's
/// unacknowledged deliveries are the leases' backing: a delivery stays unacknowledged while it is leased,
/// so a gateway that dies gives every one of them back to the queue. The lease clock is the gateway's: a
/// lease that runs out makes the delivery available to the next receive here, in its place in the queue
/// order. The queue has a single active consumer, so while this gateway serves the mailbox no other gets
/// its messages out of order; once nobody has received here for <see cref="IdleRelease"/> and nothing is
/// leased, the channel is closed and the queue moves on to another gateway's consumer, if any.
/// </summary>
public sealed class MailboxLeases : IAsyncDisposable
{
    /// <summary>How long a consumer with nothing leased and no receive waiting stays before it lets the queue go.</summary>
    public static readonly TimeSpan IdleRelease = TimeSpan.FromSeconds(5);

    private readonly Guid _mailbox;
    private readonly string _queue;
    private readonly Func<Guid, Guid, bool> _isAcknowledged;
    private readonly object _gate = new();
    private readonly List<Held> _held = new();
    private TaskCompletionSource _changed = NewSignal();
    private IChannel? _channel;
    private int _receiving;
    private bool _retired;
    private DateTimeOffset _lastUsed = DateTimeOffset.UtcNow;

    public MailboxLeases(Guid mailbox, string queue, Func<Guid, Guid, bool> isAcknowledged)
    {
        _mailbox = mailbox;
        _queue = queue;
        _isAcknowledged = isAcknowledged;
    }

    /// <summary>Prefetch of the consumer: a full receive batch and one more behind it.</summary>
    public static ushort Prefetch(ExchangeLimits limits) => (ushort)Math.Min(ushort.MaxValue, limits.MaxBatch * 2);

    /// <summary>
    /// Leases up to request.MaxMessages available deliveries, waiting up to the request's wait for one.
    /// Null when this consumer was retired (<see cref="TryRetire"/>) before the receive began: ask a new one.
    /// </summary>
    /// <summary>
    /// How long a receive that would end empty waits, past its own wait, for deliveries the registry says
    /// are pending but have not reached this consumer yet (the broker pushes them a moment after it starts).
    /// </summary>
    public static readonly TimeSpan DeliveryGrace = TimeSpan.FromMilliseconds(250);

    /// <param name="pendingInRegistry">How many messages of this mailbox the registry counts as stored and not acknowledged.</param>
    public async Task<IReadOnlyList<ReceivedMessage>?> ReceiveAsync(BrokerConnection broker, ReceiveRequest request, ushort prefetch, Func<long> pendingInRegistry, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return null;
            }

            _receiving++;
        }

        try
        {
            await EnsureConsumerAsync(broker, prefetch, cancellationToken).ConfigureAwait(false);
            var started = DateTimeOffset.UtcNow;
            var deadline = started + request.EffectiveWait;
            while (true)
            {
                Task changed;
                DateTimeOffset? nextExpiry;
                var pending = pendingInRegistry();
                lock (_gate)
                {
                    changed = _changed.Task;
                    var now = DateTimeOffset.UtcNow;
                    // Messages the registry counts that have not reached this consumer yet are worth a short
                    // wait, so a receive right after the sends gets them all, in order, not the first few.
                    var onTheWay = pending > _held.Count && now < started + DeliveryGrace
                        && _held.Count(h => h.LeaseUntil <= now) < request.MaxMessages;
                    if (!onTheWay)
                    {
                        var leased = LeaseAvailable(request, now);
                        if (leased.Count > 0 || now >= deadline)
                        {
                            return leased;
                        }
                    }
                    else if (now >= deadline)
                    {
                        deadline = started + DeliveryGrace;
                    }

                    nextExpiry = _held.Where(h => h.LeaseUntil > now).Select(h => (DateTimeOffset?)h.LeaseUntil).Min();
                }

                var pause = deadline - DateTimeOffset.UtcNow;
                if (nextExpiry is { } expiry && expiry - DateTimeOffset.UtcNow < pause)
                {
                    pause = expiry - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(5);
                }

                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var sleeping = Task.Delay(pause < TimeSpan.Zero ? TimeSpan.Zero : pause, timer.Token);
                await Task.WhenAny(changed, sleeping).ConfigureAwait(false);
                timer.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            lock (_gate)
            {
                _receiving--;
                _lastUsed = DateTimeOffset.UtcNow;
            }
        }
    }

    private List<ReceivedMessage> LeaseAvailable(ReceiveRequest request, DateTimeOffset now)
    {
        var leased = new List<ReceivedMessage>();
        var until = now + request.EffectiveLease;
        foreach (var held in _held)
        {
            if (leased.Count >= request.MaxMessages)
            {
                break;
            }

            if (held.LeaseUntil <= now)
            {
                held.LeaseUntil = until;
                held.Deliveries++;
                leased.Add(new ReceivedMessage(held.Id, _mailbox, held.From, held.Body, held.SentAt, held.Deliveries, until));
            }
        }

        return leased;
    }

    /// <summary>Acknowledges the held deliveries among <paramref name="ids"/> at the broker and forgets them.</summary>
    public async Task AcknowledgeAsync(IReadOnlyCollection<Guid> ids)
    {
        List<Held> done;
        lock (_gate)
        {
            var wanted = ids as ISet<Guid> ?? ids.ToHashSet();
            done = _held.Where(h => wanted.Contains(h.Id)).ToList();
            _held.RemoveAll(h => wanted.Contains(h.Id));
        }

        foreach (var held in done)
        {
            await AckQuietly(held).ConfigureAwait(false);
        }
    }

    /// <summary>Makes leased deliveries among <paramref name="ids"/> available now; returns how many were leased.</summary>
    public int Release(IReadOnlyCollection<Guid> ids)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            var released = 0;
            foreach (var held in _held.Where(h => h.LeaseUntil > now && ids.Contains(h.Id)))
            {
                held.LeaseUntil = DateTimeOffset.MinValue;
                released++;
            }

            if (released > 0)
            {
                Pulse();
            }

            return released;
        }
    }

    /// <summary>
    /// Retires the consumer when it can let the queue go (nobody receiving, nothing leased, idle long enough);
    /// a retired one takes no receive, so the caller may dispose it without cutting one short.
    /// </summary>
    public bool TryRetire(DateTimeOffset now)
    {
        lock (_gate)
        {
            _retired = _retired || (_receiving == 0 && now - _lastUsed > IdleRelease && _held.All(h => h.LeaseUntil <= now));
            return _retired;
        }
    }

    private async Task EnsureConsumerAsync(BrokerConnection broker, ushort prefetch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_channel is { IsOpen: true })
            {
                return;
            }
        }

        var channel = await broker.OpenChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.BasicQosAsync(0, prefetch, false, cancellationToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery);
            channel.ChannelShutdownAsync += (_, _) =>
            {
                // The broker puts back every unacknowledged delivery of a closed channel; leases on them are void.
                lock (_gate)
                {
                    _held.RemoveAll(h => ReferenceEquals(h.Channel, channel));
                    Pulse();
                }

                return Task.CompletedTask;
            };
            lock (_gate)
            {
                if (_channel is { IsOpen: true })
                {
                    _ = DisposeQuietly(channel);
                    return;
                }

                _channel = channel;
            }

            await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationInterruptedException or AlreadyClosedException or IOException)
        {
            await DisposeQuietly(channel).ConfigureAwait(false);
            throw error is OperationInterruptedException { ShutdownReason.ReplyCode: 404 }
                ? ExchangeErrors.MailboxNotFound(_mailbox)
                : broker.Unavailable(error);
        }
    }

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        if (!Guid.TryParse(properties.MessageId, out var id))
        {
            // Not written by a SwarmPS gateway: nobody could acknowledge it by id, so it is dropped, not held forever.
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            return;
        }

        var held = new Held(id, channel, delivery.DeliveryTag)
        {
            From = Header(properties, RabbitMqMailboxStore.FromHeader) is { } from && Guid.TryParse(from, out var sender) ? sender : null,
            Body = Encoding.UTF8.GetString(delivery.Body.Span),
            SentAt = properties.Timestamp.UnixTime > 0 ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime) : DateTimeOffset.UtcNow,
            Deliveries = DeliveryCount(properties),
        };
        if (properties.Headers?.TryGetValue(RabbitMqMailboxStore.SentAtHeader, out var sentAt) == true && sentAt is long ms)
        {
            held.SentAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        // A second copy of an id (a send retried through another gateway, or redelivered after its
        // acknowledgement was recorded) is the same message: one copy is kept, the other acknowledged away.
        // The registry is asked outside this consumer's lock: the registry's fold takes that lock while it
        // holds its own (an acknowledgement folded lets a held delivery go), never the other way round.
        var duplicate = _isAcknowledged(_mailbox, id);
        lock (_gate)
        {
            duplicate = duplicate || _held.Any(h => h.Id == id);
            if (!duplicate)
            {
                _held.Add(held);
                Pulse();
            }
        }

        if (duplicate)
        {
            await AckQuietly(held).ConfigureAwait(false);
        }
    }

    private static int DeliveryCount(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue("x-delivery-count", out var value) == true
            ? value switch { long l => (int)Math.Min(int.MaxValue, l), int i => i, _ => 0 }
            : 0;

    private static string? Header(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true
            ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), string text => text, _ => null }
            : null;

    private void Pulse()
    {
        var signal = _changed;
        _changed = NewSignal();
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task AckQuietly(Held held)
    {
        try
        {
            await held.Channel.BasicAckAsync(held.Tag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
        {
            // The channel is gone and the broker has put the delivery back; the registry's record of the
            // acknowledgement makes whoever receives it next drop it.
        }
    }

    private static async Task DisposeQuietly(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
        {
        }

        await channel.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the consumer: the broker gives every delivery still held here back to the queue.</summary>
    public async ValueTask DisposeAsync()
    {
        IChannel? channel;
        lock (_gate)
        {
            channel = _channel;
            _channel = null;
            _held.Clear();
        }

        if (channel is not null)
        {
            await DisposeQuietly(channel).ConfigureAwait(false);
        }
    }

    private sealed class Held(Guid id, IChannel channel, ulong tag)
    {
        public Guid Id { get; } = id;
        public IChannel Channel { get; } = channel;
        public ulong Tag { get; } = tag;
        public Guid? From { get; init; }
        public string Body { get; init; } = "";
        public DateTimeOffset SentAt { get; set; }
        public int Deliveries { get; set; }
        public DateTimeOffset LeaseUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
