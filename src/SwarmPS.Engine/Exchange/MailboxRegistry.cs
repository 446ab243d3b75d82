namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What every RabbitMQ gateway knows about the exchange's mailboxes: the fold of the registry log
/// (<see cref="RegistryRecord"/>). It is pure: no broker, no clock of its own, so gateways that read the
/// same records in the same order agree on who holds a mailbox, whether it is live, which message ids
/// were stored (the idempotency of sends across gateways) and how many are pending.
/// A registration is decided here, not by the gateway that asked: the first claim in log order that finds
/// the mailbox not live wins, and every later claim while it stays live loses with MailboxExists.
/// Not thread-safe: its owner (<see cref="RegistryLog"/>) serialises access.
/// </summary>
public sealed class MailboxRegistry
{
    /// <summary>How long a stored or acknowledged id is remembered, as the SQLite store keeps its tombstones.</summary>
    public static readonly TimeSpan IdRetention = SqliteMailboxStore.AcknowledgedRetention;

    /// <summary>At most this many ids are remembered (about 100 bytes each): a resend older than the last million is stored again.</summary>
    public const int MaxRememberedIds = 1_000_000;

    /// <summary>Registration outcomes kept for the gateways waiting on them (only their own, recent claims are asked for).</summary>
    private const int MaxRememberedClaims = 10_000;

    private readonly Dictionary<Guid, Entry> _mailboxes = new();
    private readonly Dictionary<string, int> _perRun = new(StringComparer.Ordinal);
    private readonly Dictionary<(Guid Mailbox, Guid Message), bool> _ids = new();
    private readonly Queue<(Guid Mailbox, Guid Message, long At)> _idOrder = new();
    private readonly Dictionary<Guid, SwarmException?> _claims = new();
    private readonly Queue<Guid> _claimOrder = new();

    /// <summary>Messages stored and not yet acknowledged, all mailboxes together.</summary>
    public long Pending { get; private set; }

    public int Count => _mailboxes.Count;

    /// <summary>
    /// Called with (mailbox, message id) when the log brings an acknowledgement made elsewhere (not one this
    /// gateway applied first itself), so a gateway holding that delivery lets it go. Called under the fold's
    /// lock: it must only hand the work on.
    /// </summary>
    public Action<Guid, Guid>? AcknowledgedElsewhere { get; set; }

    public void Apply(RegistryRecord record)
    {
        switch (record.Kind)
        {
            case RegistryRecord.Register:
                ApplyRegister(record);
                break;
            case RegistryRecord.Heartbeat:
                ApplyHeartbeat(record);
                break;
            case RegistryRecord.Terminate:
                if (_mailboxes.TryGetValue(record.Mailbox, out var ended))
                {
                    ended.TerminatedAt ??= record.At;
                }

                break;
            case RegistryRecord.Sent:
                foreach (var id in record.Messages ?? [])
                {
                    MarkStored(record.Mailbox, id, record.At);
                }

                break;
            case RegistryRecord.Acknowledged:
                foreach (var id in record.Messages ?? [])
                {
                    var known = _ids.TryGetValue((record.Mailbox, id), out var alreadyAcknowledged);
                    MarkAcknowledged(record.Mailbox, id, record.At);
                    if (!known || !alreadyAcknowledged)
                    {
                        AcknowledgedElsewhere?.Invoke(record.Mailbox, id);
                    }
                }

                break;
        }

        Forget(record.At);
    }

    /// <summary>The outcome of a claim folded so far: null while unknown, else (won, the error it lost with).</summary>
    public (bool Won, SwarmException? Lost)? Outcome(Guid claim) =>
        _claims.TryGetValue(claim, out var lost) ? (lost is null, lost) : null;

    public MailboxStatus? Status(Guid mailbox, long nowMs, TimeSpan threshold) =>
        _mailboxes.TryGetValue(mailbox, out var entry) ? entry.ToStatus(mailbox, nowMs, threshold) : null;

    public IEnumerable<MailboxStatus> All(long nowMs, TimeSpan threshold) =>
        _mailboxes.Select(pair => pair.Value.ToStatus(pair.Key, nowMs, threshold));

    /// <summary>Messages of <paramref name="mailbox"/> stored and not yet acknowledged.</summary>
    public long PendingOf(Guid mailbox) => _mailboxes.TryGetValue(mailbox, out var entry) ? entry.Pending : 0;

    /// <summary>True when <paramref name="message"/> was stored for <paramref name="mailbox"/> (pending or acknowledged) within the retention.</summary>
    public bool IsStored(Guid mailbox, Guid message) => _ids.ContainsKey((mailbox, message));

    public bool IsAcknowledged(Guid mailbox, Guid message) => _ids.TryGetValue((mailbox, message), out var acknowledged) && acknowledged;

    /// <summary>
    /// Records a stored message. The gateway that stored it calls this at once (its next send of the same id
    /// is a duplicate without waiting for the log), and the fold calls it again: the second time changes nothing.
    /// </summary>
    public void MarkStored(Guid mailbox, Guid message, long atMs)
    {
        if (_ids.ContainsKey((mailbox, message)))
        {
            return;
        }

        _ids[(mailbox, message)] = false;
        _idOrder.Enqueue((mailbox, message, atMs));
        if (_mailboxes.TryGetValue(mailbox, out var entry))
        {
            entry.Pending++;
        }

        Pending++;
    }

    /// <summary>
    /// Records an acknowledgement; true when it moved a pending message to acknowledged. An id not seen stored
    /// (its record is older than the retention) is remembered as acknowledged, so a redelivered copy is dropped.
    /// Stored-then-acknowledged and acknowledged-then-stored end in the same state, so a gateway may apply its
    /// own acknowledgements before the log brings them back.
    /// </summary>
    public bool MarkAcknowledged(Guid mailbox, Guid message, long atMs)
    {
        if (_ids.TryGetValue((mailbox, message), out var acknowledged))
        {
            if (acknowledged)
            {
                return false;
            }

            _ids[(mailbox, message)] = true;
            if (_mailboxes.TryGetValue(mailbox, out var entry) && entry.Pending > 0)
            {
                entry.Pending--;
            }

            Pending = Math.Max(0, Pending - 1);
            return true;
        }

        _ids[(mailbox, message)] = true;
        _idOrder.Enqueue((mailbox, message, atMs));
        return false;
    }

    private void ApplyRegister(RegistryRecord record)
    {
        if (record.Claim is not { } claim || record.RunId is null || record.Name is null)
        {
            return;
        }

        var threshold = record.HeartbeatThresholdMs ?? (long)new ExchangeLimits().HeartbeatThreshold.TotalMilliseconds;
        SwarmException? lost = null;
        if (_mailboxes.TryGetValue(record.Mailbox, out var existing))
        {
            if (existing.TerminatedAt is null && record.At - existing.LastHeartbeat <= threshold)
            {
                lost = ExchangeErrors.MailboxExists(record.Mailbox, existing.RunId, existing.Name);
            }
        }
        else if (record.MaxMailboxes is { } max && _mailboxes.Count >= max)
        {
            lost = new SwarmException(
                "ExchangeMailboxLimitReached",
                $"The exchange already holds {max} mailboxes, the most it allows for all runs together.",
                "Start gateways under a fresh exchange name once the runs it serves are done, or raise the exchange's MaxMailboxes limit.",
                SwarmErrorCategory.InvalidOperation,
                record.RunId);
        }
        else if (record.MaxMailboxesPerRun is { } perRun && _perRun.GetValueOrDefault(record.RunId) >= perRun)
        {
            lost = new SwarmException(
                "MailboxLimitReached",
                $"Run '{record.RunId}' already has {perRun} mailboxes, the most this exchange allows per run.",
                "Terminate mailboxes of agents that are done, or raise the exchange's mailbox limit.",
                SwarmErrorCategory.InvalidOperation,
                record.RunId);
        }

        if (lost is null)
        {
            if (existing is null)
            {
                // A mailbox never seen has no stored ids (sends need a known mailbox): no count to take.
                _mailboxes[record.Mailbox] = new Entry(record.RunId, record.Name, record.At);
                _perRun[record.RunId] = _perRun.GetValueOrDefault(record.RunId) + 1;
            }
            else
            {
                existing.RegisteredAt = record.At;
                existing.LastHeartbeat = record.At;
                existing.TerminatedAt = null;
            }
        }

        _claims[claim] = lost;
        _claimOrder.Enqueue(claim);
        while (_claimOrder.Count > MaxRememberedClaims)
        {
            _claims.Remove(_claimOrder.Dequeue());
        }
    }

    private void ApplyHeartbeat(RegistryRecord record)
    {
        if (_mailboxes.TryGetValue(record.Mailbox, out var entry))
        {
            if (entry.TerminatedAt is null)
            {
                entry.LastHeartbeat = Math.Max(entry.LastHeartbeat, record.At);
            }

            return;
        }

        // The registration fell out of the log's retention while the mailbox kept beating: the heartbeat
        // carries enough to know it again, so a long-lived agent is never forgotten.
        if (record.RunId is not null && record.Name is not null && record.RegisteredAt is { } registeredAt)
        {
            _mailboxes[record.Mailbox] = new Entry(record.RunId, record.Name, registeredAt) { LastHeartbeat = record.At, Pending = CountPending(record.Mailbox) };
            _perRun[record.RunId] = _perRun.GetValueOrDefault(record.RunId) + 1;
        }
    }

    /// <summary>A walk over every remembered id: only for a mailbox the log forgot and a heartbeat brings back (rare).</summary>
    private long CountPending(Guid mailbox) => _ids.Count(pair => pair.Key.Mailbox == mailbox && !pair.Value);

    /// <summary>Drops ids past the retention or the count bound, oldest first.</summary>
    private void Forget(long nowMs)
    {
        var cutoff = nowMs - (long)IdRetention.TotalMilliseconds;
        while (_idOrder.TryPeek(out var oldest) && (oldest.At < cutoff || _idOrder.Count > MaxRememberedIds))
        {
            _idOrder.Dequeue();
            _ids.Remove((oldest.Mailbox, oldest.Message));
        }
    }

    private sealed class Entry(string runId, string name, long registeredAt)
    {
        public string RunId { get; } = runId;
        public string Name { get; } = name;
        public long RegisteredAt { get; set; } = registeredAt;
        public long LastHeartbeat { get; set; } = registeredAt;
        public long? TerminatedAt { get; set; }
        public long Pending { get; set; }

        public MailboxStatus ToStatus(Guid id, long nowMs, TimeSpan threshold)
        {
            var state = TerminatedAt is not null ? MailboxState.Terminated
                : nowMs - LastHeartbeat > (long)threshold.TotalMilliseconds ? MailboxState.Inactive
                : MailboxState.Active;
            return new MailboxStatus(id, RunId, Name, state, DateTimeOffset.FromUnixTimeMilliseconds(RegisteredAt), DateTimeOffset.FromUnixTimeMilliseconds(LastHeartbeat), Pending)
            {
                SilentFor = TimeSpan.FromMilliseconds(Math.Max(0, nowMs - LastHeartbeat)),
                ExchangeStaleAfter = threshold,
            };
        }
    }
}
