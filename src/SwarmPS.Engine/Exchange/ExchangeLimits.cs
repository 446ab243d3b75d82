namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Every bound the exchange enforces, so no client (buggy or hostile) can make it hold unbounded memory,
/// wait forever or fill the disk with mailboxes. Exceeding one is a 4xx with the ErrorId named here.
/// </summary>
public sealed record ExchangeLimits
{
    /// <summary>Largest message body in UTF-8 bytes (MessageTooLarge).</summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest HTTP request body; a batch carries up to MaxBatch bodies, so this bounds the batch too (RequestTooLarge).</summary>
    public int MaxRequestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most messages one send batch or one receive may carry (BatchTooLarge, ReceiveCountInvalid).</summary>
    public int MaxBatch { get; init; } = 100;

    /// <summary>Longest long-poll a receive may ask for (WaitInvalid).</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Shortest and longest lease a receive may ask for (LeaseInvalid).</summary>
    public TimeSpan MinLease { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxLease { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Most mailboxes one run id may register (MailboxLimitReached).</summary>
    public int MaxMailboxesPerRun { get; init; } = 10_000;

    /// <summary>Most mailboxes the whole exchange may hold, every run together (ExchangeMailboxLimitReached).</summary>
    public int MaxMailboxes { get; init; } = 100_000;

    /// <summary>Most unacknowledged messages the whole exchange may hold (ExchangePendingLimitReached).</summary>
    public int MaxPendingMessages { get; init; } = 1_000_000;

    /// <summary>Most long polls (receives with a wait) at once on the whole exchange (LongPollLimitReached).</summary>
    public int MaxLongPolls { get; init; } = 1024;

    /// <summary>Most long polls at once on one mailbox: one agent cannot take the exchange's share (LongPollLimitReached).</summary>
    public int MaxLongPollsPerMailbox { get; init; } = 4;

    /// <summary>Request-body bytes all requests in flight may hold in memory together (RequestBufferLimitReached).</summary>
    public long MaxBufferedRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest blob (/v1/blobs/), refused by its Content-Length or Content-Range total before any byte is read (BlobTooLarge).</summary>
    public long MaxBlobBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Most contributors one run may announce (/v1/runs/{runId}/contributions; ContributionLimitReached).</summary>
    public int MaxContributorsPerRun { get; init; } = 10_000;

    /// <summary>
    /// Longest time a request body may take to arrive; a slower sender is cut off (RequestTimeout). A blob
    /// body may take as long as it needs, but no read of it may wait longer than this for its next bytes.
    /// </summary>
    public TimeSpan RequestBodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Refused requests logged one line each per interval; the rest become one summary line.</summary>
    public int MaxRefusedLogLines { get; init; } = 20;

    public TimeSpan RefusedLogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>exchange.log is rotated to exchange.log.1 at this size, so the log never holds more than twice it.</summary>
    public long MaxLogBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Longest agent name accepted at registration (AgentNameInvalid).</summary>
    public int MaxNameLength { get; init; } = 200;

    /// <summary>No heartbeat for longer than this turns a mailbox INACTIVE.</summary>
    public TimeSpan HeartbeatThreshold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks a receive request against these bounds; throws the ErrorId that names the bad field.</summary>
    public void Validate(ReceiveRequest request)
    {
        if (request.MaxMessages < 1 || request.MaxMessages > MaxBatch)
        {
            throw ExchangeErrors.Invalid("ReceiveCountInvalid", $"A receive may ask for 1 to {MaxBatch} messages, not {request.MaxMessages}.", $"Ask for between 1 and {MaxBatch} messages.");
        }

        if (request.EffectiveLease < MinLease || request.EffectiveLease > MaxLease)
        {
            throw ExchangeErrors.Invalid("LeaseInvalid", $"A lease of {request.EffectiveLease.TotalMilliseconds} ms is outside {MinLease.TotalMilliseconds} ms to {MaxLease.TotalMilliseconds} ms.", "Ask for a lease long enough to process the message, within the bounds.");
        }

        if (request.EffectiveWait < TimeSpan.Zero || request.EffectiveWait > MaxWait)
        {
            throw ExchangeErrors.Invalid("WaitInvalid", $"A wait of {request.EffectiveWait.TotalMilliseconds} ms is outside 0 to {MaxWait.TotalMilliseconds} ms.", $"Wait at most {MaxWait.TotalSeconds} s per receive and loop for longer waits.");
        }

        if (request.Acknowledge is { Count: var acknowledging } && acknowledging > MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"A receive may acknowledge at most {MaxBatch} message ids, not {acknowledging}.", $"Acknowledge in groups of at most {MaxBatch}.");
        }
    }

    /// <summary>Checks one outgoing message: a body within MaxBodyBytes and a real target id.</summary>
    public void Validate(OutgoingMessage message)
    {
        if (message.Body is null)
        {
            throw ExchangeErrors.Invalid("MessageBodyMissing", $"Message {message.Id} has no body.", "Send a body, even an empty string.");
        }

        if (message.Id == Guid.Empty || message.To == Guid.Empty)
        {
            throw ExchangeErrors.Invalid("MessageIdInvalid", "A message needs a non-empty message id and a non-empty target mailbox id.", "Use a fresh UUID per message and the target's mailbox id from Get-SwarmAgentId.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(message.Body) > MaxBodyBytes)
        {
            throw new SwarmException(
                "MessageTooLarge",
                $"Message {message.Id} has a body larger than {MaxBodyBytes} bytes.",
                "Put large payloads in a file both sides can reach and send its path, or raise the exchange's body limit.",
                SwarmErrorCategory.InvalidArgument,
                message.Id);
        }
    }

    /// <summary>Checks a send batch: 1 to MaxBatch messages, each valid.</summary>
    public void Validate(IReadOnlyList<OutgoingMessage> messages)
    {
        ValidateBatchSize(messages.Count);
        foreach (var message in messages)
        {
            Validate(message);
        }
    }

    /// <summary>
    /// Checks only the number of messages in a send batch (1 to MaxBatch). The gateway calls it before it
    /// reads the messages, so an oversized batch is refused before any of it is converted.
    /// </summary>
    public void ValidateBatchSize(int count)
    {
        if (count == 0 || count > MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"A send batch must hold 1 to {MaxBatch} messages, not {count}.", $"Split the batch into requests of at most {MaxBatch} messages.");
        }
    }
}
