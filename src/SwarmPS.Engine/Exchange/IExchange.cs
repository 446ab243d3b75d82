namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What an agent (or an operator) can do with an exchange, whatever backs it: the SQLite store in this
/// process, the HTTP gateway in another, or a later broker. Every backend passes the same conformance
/// suite, so callers never depend on which one they hold. It is named for the exchange, not a client,
/// because the server-side store implements it as much as the HTTP client does. Failures are <see cref="SwarmException"/>s with
/// the ErrorIds listed in docs/exchange-protocol.md.
/// </summary>
public interface IExchange : IDisposable
{
    /// <summary>Creates (or takes over an INACTIVE/TERMINATED) mailbox for runId/name; a live one fails with MailboxExists.</summary>
    Task<MailboxStatus> RegisterAsync(string runId, string agentName, CancellationToken cancellationToken = default);

    /// <summary>Marks the mailbox alive now; it stays ACTIVE until the heartbeat threshold passes.</summary>
    Task<MailboxStatus> HeartbeatAsync(Guid mailboxId, CancellationToken cancellationToken = default);

    /// <summary>Discovery by id: the mailboxes among <paramref name="mailboxIds"/> that exist, with their names. Unknown ids are left out.</summary>
    Task<IReadOnlyList<MailboxStatus>> GetStatusAsync(IReadOnlyCollection<Guid> mailboxIds, CancellationToken cancellationToken = default);

    /// <summary>Stores one message durably before returning. A message id already stored for that mailbox is not stored again.</summary>
    Task<SendReceipt> SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default);

    /// <summary>Stores up to <see cref="ExchangeLimits.MaxBatch"/> messages in one durable step: all or none.</summary>
    Task<IReadOnlyList<SendReceipt>> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <see cref="ReceiveRequest.MaxMessages"/> of the oldest available messages, waiting up to
    /// <see cref="ReceiveRequest.Wait"/> for one to arrive. Unacknowledged messages come back when the lease ends.
    /// </summary>
    Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(Guid mailboxId, ReceiveRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes delivered messages for good; returns how many were pending and are now acknowledged.</summary>
    Task<int> AcknowledgeAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives leased, unacknowledged messages back now instead of when their lease ends, so the next receive
    /// gets them; returns how many were released. Used when a wait is abandoned (Ctrl+C) after it leased.
    /// </summary>
    Task<int> ReleaseAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>Marks the mailbox TERMINATED: it refuses new messages and is never reported live again until re-registered.</summary>
    Task<MailboxStatus> TerminateAsync(Guid mailboxId, CancellationToken cancellationToken = default);

    /// <summary>Counts for operators: mailboxes, pending messages, store size.</summary>
    Task<ExchangeSummary> GetSummaryAsync(CancellationToken cancellationToken = default);
}
