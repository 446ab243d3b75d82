using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The RabbitMQ backend's shared memory: a replicated stream (<c>&lt;name&gt;.registry</c>) of
/// <see cref="RegistryRecord"/>s that every gateway appends to and reads from its first record, folding it
/// into its <see cref="Registry"/>. Registrations, heartbeats, terminations and the ids of stored and
/// acknowledged messages go through it, which is what lets any gateway answer for a mailbox another one
/// registered, and refuse a message id another one stored.
/// Appends are group-committed: records waiting while one entry is being confirmed go out together in the
/// next, one publisher-confirmed entry for all of them. A caller that must see the effect of its own record
/// (registration, heartbeat) waits until the fold has applied it.
/// </summary>
public sealed class RegistryLog : IAsyncDisposable
{
    /// <summary>Records per log entry at most, so one entry stays a small message whatever the load.</summary>
    private const int MaxRecordsPerEntry = 512;

    /// <summary>How long an entry may wait for the broker's confirm before its appends fail with BrokerUnavailable.</summary>
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly BrokerConnection _broker;
    private readonly string _stream;
    private readonly TimeSpan _retention;
    private readonly string _writer = Guid.NewGuid().ToString("N");
    private readonly Channel<Append> _appends = Channel.CreateUnbounded<Append>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, List<TaskCompletionSource>> _awaitingFold = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _foldGate = new();
    private Task? _writing;
    private Task? _reading;
    private long _nextEntry;
    private long _foldedOwnEntry = -1;
    private long _nextOffset = -1;
    private long _bytesRead;
    private long _entriesWritten;
    private long _recordsWritten;

    public RegistryLog(BrokerConnection broker, RabbitMqSettings settings)
    {
        _broker = broker;
        _stream = settings.Name + ".registry";
        _retention = settings.RegistryRetention;
    }

    public MailboxRegistry Registry { get; } = new();

    /// <summary>Bytes of log entries this gateway has read (what the registry costs the broker, roughly).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Log entries this gateway appended, and the records in them (their ratio is the group commit's gain).</summary>
    public (long Entries, long Records) Written => (Interlocked.Read(ref _entriesWritten), Interlocked.Read(ref _recordsWritten));

    /// <summary>Runs <paramref name="read"/> on the registry under the fold's lock.</summary>
    public T Read<T>(Func<MailboxRegistry, T> read)
    {
        lock (_foldGate)
        {
            return read(Registry);
        }
    }

    /// <summary>Declares the stream, starts reading it from its first record, and returns once everything already in it is folded.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await _broker.OpenChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            await channel.QueueDeclareAsync(_stream, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
            {
                ["x-queue-type"] = "stream",
                ["x-max-age"] = $"{Math.Max(1, (int)_retention.TotalHours)}h",
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        _writing = Task.Run(WriteLoopAsync);
        _reading = Task.Run(ReadLoopAsync);
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="records"/>; returns once the broker confirmed them (and, with <paramref name="folded"/>, once this gateway's fold applied them).</summary>
    public Task AppendAsync(IReadOnlyList<RegistryRecord> records, bool folded, CancellationToken cancellationToken)
    {
        var append = new Append(records, folded);
        if (!_appends.Writer.TryWrite(append))
        {
            throw new ObjectDisposedException(nameof(RegistryLog));
        }

        return (folded ? append.Folded.Task : append.Confirmed.Task).WaitAsync(cancellationToken);
    }

    /// <summary>Returns once every record appended before this call, by any gateway, is folded here: a read after it sees them.</summary>
    public Task CatchUpAsync(CancellationToken cancellationToken) =>
        AppendAsync([new RegistryRecord { Kind = RegistryRecord.Mark, At = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }], folded: true, cancellationToken);

    private async Task WriteLoopAsync()
    {
        IChannel? channel = null;
        var batch = new List<Append>();
        try
        {
            while (await _appends.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                batch.Clear();
                var records = new List<RegistryRecord>();
                while (records.Count < MaxRecordsPerEntry && _appends.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                    records.AddRange(next.Records);
                }

                var entry = _nextEntry++;
                // An entry the broker does not confirm in time (a resource alarm blocks publishers) fails its
                // callers rather than holding them, and every append queued behind it, for ever.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                attempt.CancelAfter(ConfirmTimeout);
                try
                {
                    channel ??= await _broker.OpenChannelAsync(confirms: true, attempt.Token).ConfigureAwait(false);
                    var properties = new BasicProperties { Persistent = true, MessageId = $"{_writer}:{entry}", ContentType = "application/json" };
                    if (batch.Any(a => a.WaitsForFold))
                    {
                        lock (_foldGate)
                        {
                            _awaitingFold[entry] = batch.Where(a => a.WaitsForFold).Select(a => a.Folded).ToList();
                        }
                    }

                    await channel.BasicPublishAsync("", _stream, mandatory: true, properties, RegistryRecord.Serialize(records), attempt.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _entriesWritten);
                    Interlocked.Add(ref _recordsWritten, records.Count);
                    foreach (var append in batch)
                    {
                        append.Confirmed.TrySetResult();
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    lock (_foldGate)
                    {
                        _awaitingFold.Remove(entry);
                    }

                    var failure = error switch
                    {
                        SwarmException => error,
                        OperationCanceledException => _broker.Unavailable(new TimeoutException($"no confirm of the registry log entry within {ConfirmTimeout.TotalSeconds:0} s (a resource alarm blocking publishers?)", error)),
                        _ => _broker.Unavailable(error),
                    };
                    foreach (var append in batch)
                    {
                        append.Fail(failure);
                    }

                    if (channel is not null)
                    {
                        await DisposeQuietly(channel).ConfigureAwait(false);
                        channel = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (channel is not null)
            {
                await DisposeQuietly(channel).ConfigureAwait(false);
            }

            foreach (var append in batch)
            {
                append.Fail(new ObjectDisposedException(nameof(RegistryLog)));
            }

            while (_appends.Reader.TryRead(out var left))
            {
                left.Fail(new ObjectDisposedException(nameof(RegistryLog)));
            }
        }
    }

    /// <summary>Consumes the stream from where the fold is, again after any failure (a node going away), until stopped.</summary>
    private async Task ReadLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            IChannel? channel = null;
            try
            {
                channel = await _broker.OpenChannelAsync(confirms: false, _stopping.Token).ConfigureAwait(false);
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, _) =>
                {
                    closed.TrySetResult();
                    return Task.CompletedTask;
                };
                // A stream consumer needs a prefetch and manual acknowledgements (they are only credit here).
                await channel.BasicQosAsync(0, 1000, false, _stopping.Token).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += async (_, delivery) =>
                {
                    Fold(delivery);
                    await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
                };
                object offset = Interlocked.Read(ref _nextOffset) is var next and >= 0 ? next : "first";
                await channel.BasicConsumeAsync(_stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
                    new Dictionary<string, object?> { ["x-stream-offset"] = offset }, consumer, _stopping.Token).ConfigureAwait(false);
                await closed.Task.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception)
            {
                // The node went away or refused: read again from the next offset, on whichever node answers.
            }
            finally
            {
                if (channel is not null)
                {
                    await DisposeQuietly(channel).ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(200, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Fold(BasicDeliverEventArgs delivery)
    {
        var offset = delivery.BasicProperties.Headers?.TryGetValue("x-stream-offset", out var value) == true && value is long at ? at : -1;
        lock (_foldGate)
        {
            if (offset >= 0 && offset < _nextOffset)
            {
                return; // Read again after a reconnect.
            }

            foreach (var record in RegistryRecord.Deserialize(delivery.Body.Span))
            {
                Registry.Apply(record);
            }

            _nextOffset = offset >= 0 ? offset + 1 : _nextOffset;
            _bytesRead += delivery.Body.Length;
            if (OwnEntry(delivery.BasicProperties.MessageId) is { } entry && entry > _foldedOwnEntry)
            {
                _foldedOwnEntry = entry;
                foreach (var done in _awaitingFold.Keys.Where(k => k <= entry).ToList())
                {
                    foreach (var waiter in _awaitingFold[done])
                    {
                        waiter.TrySetResult();
                    }

                    _awaitingFold.Remove(done);
                }
            }
        }
    }

    private long? OwnEntry(string? messageId) =>
        messageId is not null && messageId.StartsWith(_writer, StringComparison.Ordinal) && messageId.Length > _writer.Length + 1
        && long.TryParse(messageId.AsSpan(_writer.Length + 1), out var entry) ? entry : null;

    private static async Task DisposeQuietly(IChannel channel)
    {
        try
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _appends.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _writing, _reading })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(false);
            }
        }

        lock (_foldGate)
        {
            foreach (var waiter in _awaitingFold.Values.SelectMany(w => w))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(RegistryLog)));
            }

            _awaitingFold.Clear();
        }
    }

    private sealed class Append(IReadOnlyList<RegistryRecord> records, bool waitsForFold)
    {
        public IReadOnlyList<RegistryRecord> Records { get; } = records;
        public bool WaitsForFold { get; } = waitsForFold;
        public TaskCompletionSource Confirmed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Folded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail(Exception error)
        {
            Confirmed.TrySetException(error);
            Folded.TrySetException(error);
        }
    }
}
