using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The embedded exchange: mailboxes and messages in one SQLite file, in WAL mode.
/// Sends, registrations and terminations commit with synchronous=FULL. In WAL mode NORMAL would already
/// survive kill -9 of this process (the WAL pages are in the kernel's cache), but it can lose the last
/// commits when the host itself goes down, and an exchange on a login node does see reboots. FULL
/// fsyncs the WAL at every commit; the cost is paid once per group of concurrent writes
/// (<see cref="StoreWriteQueue"/>), not once per message. Leases, acknowledgements and heartbeats commit
/// with NORMAL: losing one to a power cut only means a message is delivered again or a mailbox looks
/// older, both allowed by at-least-once delivery, and it saves two of the three fsyncs a message costs.
/// Acknowledged messages stay as tombstones for <see cref="AcknowledgedRetention"/> so a late resend of the
/// same id is still recognised as a duplicate, then they are purged.
/// </summary>
public sealed class SqliteMailboxStore : IExchangeStore
{
    public static readonly TimeSpan AcknowledgedRetention = TimeSpan.FromHours(1);

    private readonly string _path;
    private readonly string _readConnectionString;
    private readonly SqliteConnection _writer;
    private readonly StoreWriteQueue _writes;
    private readonly MailboxSignals _signals = new();
    private readonly TimeProvider _clock;
    private long _lastPurgeMs;
    private int _disposed;

    private SqliteMailboxStore(string path, ExchangeLimits limits, TimeProvider clock)
    {
        _path = path;
        Limits = limits;
        _clock = clock;
        _writer = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _writer.Open();
        Execute(_writer, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS mailboxes (
                id TEXT PRIMARY KEY,
                run_id TEXT NOT NULL,
                name TEXT NOT NULL,
                registered_at INTEGER NOT NULL,
                last_heartbeat INTEGER NOT NULL,
                terminated_at INTEGER
            );
            CREATE INDEX IF NOT EXISTS ix_mailboxes_run ON mailboxes(run_id);
            CREATE TABLE IF NOT EXISTS messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL,
                mailbox TEXT NOT NULL,
                sender TEXT,
                body TEXT NOT NULL,
                sent_at INTEGER NOT NULL,
                lease_until INTEGER NOT NULL DEFAULT 0,
                deliveries INTEGER NOT NULL DEFAULT 0,
                acked_at INTEGER,
                UNIQUE (mailbox, id)
            );
            CREATE INDEX IF NOT EXISTS ix_messages_pending ON messages(mailbox, seq) WHERE acked_at IS NULL;
            CREATE INDEX IF NOT EXISTS ix_messages_acked ON messages(acked_at) WHERE acked_at IS NOT NULL;
            """);
        _readConnectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        using (var pending = _writer.CreateCommand())
        {
            // Counted once here; from now on the writer keeps the count (PendingMessageCount).
            pending.CommandText = "SELECT COUNT(*) FROM messages WHERE acked_at IS NULL";
            _writes = new StoreWriteQueue(_writer, (long)pending.ExecuteScalar()!);
        }
    }

    public ExchangeLimits Limits { get; }

    /// <summary>Group-commit totals since the store opened (benchmarks, diagnostics).</summary>
    public StoreWriteStatistics WriteStatistics => _writes.Statistics;

    /// <summary>Signals of committed sends, shared with the gateway's long polls.</summary>
    public MailboxSignals Signals => _signals;

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static SqliteMailboxStore Open(string path, ExchangeLimits? limits = null, TimeProvider? clock = null)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                OwnerOnly.CreateDirectory(directory);
            }

            // Created 0600 before SQLite opens it: SQLite gives the WAL and shared-memory files the
            // database's mode, so all three are owner-only from birth.
            if (!path.StartsWith(':') && !File.Exists(path))
            {
                OwnerOnly.CreateFile(path);
            }

            return new SqliteMailboxStore(path, limits ?? new ExchangeLimits(), clock ?? TimeProvider.System);
        }
        catch (Exception error) when (error is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new SwarmException(
                "ExchangeStoreUnavailable",
                $"Could not open the exchange store '{path}': {error.Message}",
                "Check that the state directory exists, is writable by you and is on a local disk (SQLite WAL needs working file locks).",
                SwarmErrorCategory.ResourceUnavailable,
                path,
                error);
        }
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public Task<MailboxStatus> RegisterAsync(string runId, string agentName, CancellationToken cancellationToken = default)
    {
        // The campaign's own rule, so no name with '/' or '..' reaches the exchange either (names end up
        // in paths on the sites); the length limit stays for names the rule would allow.
        if (!AgentName.IsValid(agentName) || agentName.Length > Limits.MaxNameLength)
        {
            throw ExchangeErrors.Invalid("AgentNameInvalid", $"The agent name '{Printable(agentName)}' is not valid: it must be {AgentName.Rule}.", "Use the agent name as declared in the campaign (Test-SwarmCampaign checks it).");
        }

        var id = AgentMailboxId.For(runId, agentName);

        return _writes.RunAsync(statements =>
        {
            var now = NowMs;
            var existing = ReadMailbox(statements, id, now);
            if (existing is not null && existing.State == MailboxState.Active)
            {
                throw ExchangeErrors.MailboxExists(id, runId, agentName);
            }

            if (existing is null && (long)statements.For("SELECT COUNT(*) FROM mailboxes").ExecuteScalar()! >= Limits.MaxMailboxes)
            {
                throw new SwarmException(
                    "ExchangeMailboxLimitReached",
                    $"The exchange already holds {Limits.MaxMailboxes} mailboxes, the most it allows for all runs together.",
                    "Stop the exchange and start it on a fresh state directory once the runs it serves are done, or raise the exchange's MaxMailboxes limit.",
                    SwarmErrorCategory.InvalidOperation,
                    runId);
            }

            if (existing is null && CountRunMailboxes(statements, runId) >= Limits.MaxMailboxesPerRun)
            {
                throw new SwarmException(
                    "MailboxLimitReached",
                    $"Run '{runId}' already has {Limits.MaxMailboxesPerRun} mailboxes, the most this exchange allows per run.",
                    "Terminate mailboxes of agents that are done, or raise the exchange's mailbox limit.",
                    SwarmErrorCategory.InvalidOperation,
                    runId);
            }

            var upsert = statements.For("""
                INSERT INTO mailboxes(id, run_id, name, registered_at, last_heartbeat, terminated_at)
                VALUES ($id, $run, $name, $now, $now, NULL)
                ON CONFLICT(id) DO UPDATE SET registered_at = $now, last_heartbeat = $now, terminated_at = NULL
                """);
            upsert.Parameters.AddWithValue("$id", Key(id));
            upsert.Parameters.AddWithValue("$run", runId);
            upsert.Parameters.AddWithValue("$name", agentName);
            upsert.Parameters.AddWithValue("$now", now);
            upsert.ExecuteNonQuery();
            return ReadMailbox(statements, id, now)!;
        }).WaitAsync(cancellationToken);
    }

    public Task<MailboxStatus> HeartbeatAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        _writes.RunAsync(statements =>
        {
            var now = NowMs;
            var update = statements.For("UPDATE mailboxes SET last_heartbeat = $now WHERE id = $id AND terminated_at IS NULL");
            update.Parameters.AddWithValue("$id", Key(mailboxId));
            update.Parameters.AddWithValue("$now", now);
            if (update.ExecuteNonQuery() == 0)
            {
                throw ReadMailbox(statements, mailboxId, now) is null
                    ? ExchangeErrors.MailboxNotFound(mailboxId)
                    : ExchangeErrors.MailboxTerminated(mailboxId);
            }

            return ReadMailbox(statements, mailboxId, now)!;
        }, durable: false).WaitAsync(cancellationToken);

    public Task<MailboxStatus> TerminateAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        _writes.RunAsync(
            statements =>
            {
                var now = NowMs;
                var update = statements.For("UPDATE mailboxes SET terminated_at = COALESCE(terminated_at, $now) WHERE id = $id");
                update.Parameters.AddWithValue("$id", Key(mailboxId));
                update.Parameters.AddWithValue("$now", now);
                if (update.ExecuteNonQuery() == 0)
                {
                    throw ExchangeErrors.MailboxNotFound(mailboxId);
                }

                return ReadMailbox(statements, mailboxId, now)!;
            },
            () => _signals.Pulse(mailboxId)).WaitAsync(cancellationToken);

    public async Task<IReadOnlyList<MailboxStatus>> GetStatusAsync(IReadOnlyCollection<Guid> mailboxIds, CancellationToken cancellationToken = default)
    {
        if (mailboxIds.Count > Limits.MaxMailboxesPerRun)
        {
            throw ExchangeErrors.Invalid("StatusQueryTooLarge", $"A status query may name at most {Limits.MaxMailboxesPerRun} mailboxes, not {mailboxIds.Count}.", "Query in smaller groups.");
        }

        await using var connection = OpenReader();
        var now = NowMs;
        using var query = connection.CreateCommand();
        query.CommandText = MailboxSelect + " WHERE m.id IN (SELECT value FROM json_each($ids))";
        query.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(mailboxIds.Select(Key)));
        var found = new List<MailboxStatus>();
        using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (reader.Read())
        {
            found.Add(ToStatus(reader, now));
        }

        return found;
    }

    public async Task<SendReceipt> SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default) =>
        (await SendBatchAsync([message], cancellationToken).ConfigureAwait(false))[0];

    public Task<IReadOnlyList<SendReceipt>> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        Limits.Validate(messages);
        var targets = messages.Select(m => m.To).Distinct().ToArray();
        return _writes.RunAsync<IReadOnlyList<SendReceipt>>(
            statements =>
            {
                var now = NowMs;
                foreach (var target in targets)
                {
                    var check = statements.For("SELECT terminated_at IS NOT NULL FROM mailboxes WHERE id = $id");
                    check.Parameters.AddWithValue("$id", Key(target));
                    var terminated = check.ExecuteScalar();
                    if (terminated is null)
                    {
                        throw ExchangeErrors.MailboxNotFound(target);
                    }

                    if (Convert.ToInt64(terminated, CultureInfo.InvariantCulture) != 0)
                    {
                        throw ExchangeErrors.MailboxTerminated(target);
                    }
                }

                EnsurePendingRoom(statements, messages);
                var insert = statements.For("INSERT OR IGNORE INTO messages(id, mailbox, sender, body, sent_at) VALUES ($id, $to, $from, $body, $now)");
                var id = insert.Parameters.Add("$id", SqliteType.Text);
                var to = insert.Parameters.Add("$to", SqliteType.Text);
                var from = insert.Parameters.Add("$from", SqliteType.Text);
                var body = insert.Parameters.Add("$body", SqliteType.Text);
                insert.Parameters.AddWithValue("$now", now);
                var receipts = new SendReceipt[messages.Count];
                for (var i = 0; i < messages.Count; i++)
                {
                    var message = messages[i];
                    id.Value = Key(message.Id);
                    to.Value = Key(message.To);
                    from.Value = message.From is { } sender ? Key(sender) : DBNull.Value;
                    body.Value = message.Body;
                    var stored = insert.ExecuteNonQuery();
                    statements.Pending.Add(stored);
                    receipts[i] = new SendReceipt(message.Id, message.To, Duplicate: stored == 0);
                }

                return receipts;
            },
            () =>
            {
                foreach (var target in targets)
                {
                    _signals.Pulse(target);
                }
            }).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Refuses a batch that would take the exchange past MaxPendingMessages. Messages already stored
    /// (a retried send) take no room, so a retry at the limit still gets its duplicate receipt.
    /// </summary>
    private void EnsurePendingRoom(WriterStatements statements, IReadOnlyList<OutgoingMessage> messages)
    {
        var pending = statements.Pending.Current;
        if (pending + messages.Count <= Limits.MaxPendingMessages)
        {
            return;
        }

        long fresh = 0;
        foreach (var message in messages)
        {
            var stored = statements.For("SELECT COUNT(*) FROM messages WHERE mailbox = $to AND id = $id");
            stored.Parameters.AddWithValue("$to", Key(message.To));
            stored.Parameters.AddWithValue("$id", Key(message.Id));
            fresh += (long)stored.ExecuteScalar()! == 0 ? 1 : 0;
        }

        if (fresh > 0 && pending + fresh > Limits.MaxPendingMessages)
        {
            throw new SwarmException(
                "ExchangePendingLimitReached",
                $"The exchange already holds {pending} unacknowledged messages; {fresh} more would exceed its limit of {Limits.MaxPendingMessages}.",
                "Let the receiving agents catch up (receive and acknowledge), terminate mailboxes nobody reads, or raise the exchange's MaxPendingMessages limit.",
                SwarmErrorCategory.InvalidOperation);
        }
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(Guid mailboxId, ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        Limits.Validate(request);
        var deadline = _clock.GetUtcNow() + request.EffectiveWait;
        var firstLook = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Take the signal before looking, so a send that commits after the look still wakes us.
            var nextSend = _signals.NextSend(mailboxId);
            var acknowledge = firstLook ? request.Acknowledge : null;
            firstLook = false;
            // Not abandoned on cancellation: a lease that commits must reach the caller, or its messages
            // would stay hidden for the lease. Cancelled before this point, nothing is leased.
            var (messages, nextLeaseEnd) = await _writes.RunAsync(statements => LeaseMessages(statements, mailboxId, request, acknowledge), durable: false)
                .ConfigureAwait(false);
            var now = _clock.GetUtcNow();
            if (messages.Count > 0 || now >= deadline)
            {
                return messages;
            }

            var pause = deadline - now;
            if (nextLeaseEnd is { } leaseEnd && leaseEnd - now < pause)
            {
                pause = leaseEnd - now + TimeSpan.FromMilliseconds(5);
            }

            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sleeping = Task.Delay(pause < TimeSpan.Zero ? TimeSpan.Zero : pause, _clock, timer.Token);
            await Task.WhenAny(nextSend, sleeping).ConfigureAwait(false);
            timer.Cancel();
        }
    }

    private (IReadOnlyList<ReceivedMessage> Messages, DateTimeOffset? NextLeaseEnd) LeaseMessages(WriterStatements statements, Guid mailboxId, ReceiveRequest request, IReadOnlyCollection<Guid>? acknowledge)
    {
        var now = NowMs;
        var exists = statements.For("SELECT 1 FROM mailboxes WHERE id = $id");
        exists.Parameters.AddWithValue("$id", Key(mailboxId));
        if (exists.ExecuteScalar() is null)
        {
            throw ExchangeErrors.MailboxNotFound(mailboxId);
        }

        if (acknowledge is { Count: > 0 })
        {
            MarkAcknowledged(statements, mailboxId, acknowledge, now);
        }

        var leaseUntil = now + (long)request.EffectiveLease.TotalMilliseconds;
        var found = new List<(long Seq, ReceivedMessage Message)>();
        var select = statements.For("""
            SELECT seq, id, sender, body, sent_at, deliveries FROM messages
            WHERE mailbox = $id AND acked_at IS NULL AND lease_until <= $now
            ORDER BY seq LIMIT $max
            """);
        select.Parameters.AddWithValue("$id", Key(mailboxId));
        select.Parameters.AddWithValue("$now", now);
        select.Parameters.AddWithValue("$max", request.MaxMessages);
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                found.Add((reader.GetInt64(0), new ReceivedMessage(
                    Guid.Parse(reader.GetString(1)),
                    mailboxId,
                    reader.IsDBNull(2) ? null : Guid.Parse(reader.GetString(2)),
                    reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    reader.GetInt32(5) + 1,
                    DateTimeOffset.FromUnixTimeMilliseconds(leaseUntil))));
            }
        }

        if (found.Count == 0)
        {
            var next = statements.For("SELECT MIN(lease_until) FROM messages WHERE mailbox = $id AND acked_at IS NULL");
            next.Parameters.AddWithValue("$id", Key(mailboxId));
            var earliest = next.ExecuteScalar();
            return ([], earliest is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);
        }

        var lease = statements.For("UPDATE messages SET lease_until = $until, deliveries = deliveries + 1 WHERE seq IN (SELECT value FROM json_each($seqs))");
        lease.Parameters.AddWithValue("$until", leaseUntil);
        lease.Parameters.AddWithValue("$seqs", JsonSerializer.Serialize(found.Select(f => f.Seq)));
        lease.ExecuteNonQuery();
        return (found.Select(f => f.Message).ToList(), null);
    }

    public Task<int> AcknowledgeAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0 || messageIds.Count > Limits.MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"An acknowledgement must name 1 to {Limits.MaxBatch} message ids, not {messageIds.Count}.", $"Acknowledge in groups of at most {Limits.MaxBatch}.");
        }

        return _writes.RunAsync(statements => MarkAcknowledged(statements, mailboxId, messageIds, NowMs), durable: false).WaitAsync(cancellationToken);
    }

    public Task<int> ReleaseAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0 || messageIds.Count > Limits.MaxBatch)
        {
            throw ExchangeErrors.Invalid("BatchTooLarge", $"A release must name 1 to {Limits.MaxBatch} message ids, not {messageIds.Count}.", $"Release in groups of at most {Limits.MaxBatch}.");
        }

        return _writes.RunAsync(
            statements =>
            {
                var now = NowMs;
                var release = statements.For("UPDATE messages SET lease_until = 0 WHERE mailbox = $id AND acked_at IS NULL AND lease_until > $now AND id IN (SELECT value FROM json_each($ids))");
                release.Parameters.AddWithValue("$id", Key(mailboxId));
                release.Parameters.AddWithValue("$now", now);
                release.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(messageIds.Select(Key)));
                return release.ExecuteNonQuery();
            },
            // A receiver waiting on this mailbox takes the released messages at once.
            () => _signals.Pulse(mailboxId),
            durable: false).WaitAsync(cancellationToken);
    }

    private int MarkAcknowledged(WriterStatements statements, Guid mailboxId, IReadOnlyCollection<Guid> messageIds, long now)
    {
        var update = statements.For("UPDATE messages SET acked_at = $now WHERE mailbox = $id AND acked_at IS NULL AND id IN (SELECT value FROM json_each($ids))");
        update.Parameters.AddWithValue("$id", Key(mailboxId));
        update.Parameters.AddWithValue("$now", now);
        update.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(messageIds.Select(Key)));
        var acknowledged = update.ExecuteNonQuery();
        statements.Pending.Add(-acknowledged);
        PurgeAcknowledged(statements, now);
        return acknowledged;
    }

    /// <summary>Drops tombstones past the retention, a bounded slice at a time so no commit stalls.</summary>
    private void PurgeAcknowledged(WriterStatements statements, long now)
    {
        if (now - _lastPurgeMs < 10_000)
        {
            return;
        }

        _lastPurgeMs = now;
        var purge = statements.For("DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE acked_at IS NOT NULL AND acked_at < $cutoff LIMIT 5000)");
        purge.Parameters.AddWithValue("$cutoff", now - (long)AcknowledgedRetention.TotalMilliseconds);
        purge.ExecuteNonQuery();
    }

    public async Task<ExchangeSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = OpenReader();
        using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT (SELECT COUNT(*) FROM mailboxes),
                   (SELECT COUNT(*) FROM mailboxes WHERE terminated_at IS NULL AND last_heartbeat >= $since),
                   (SELECT COUNT(*) FROM messages WHERE acked_at IS NULL)
            """;
        query.Parameters.AddWithValue("$since", NowMs - (long)Limits.HeartbeatThreshold.TotalMilliseconds);
        using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        reader.Read();
        var bytes = new[] { _path, _path + "-wal", _path + "-shm" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new ExchangeSummary(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), bytes) { Backend = nameof(ExchangeBackend.Sqlite) };
    }

    private const string MailboxSelect = """
        SELECT m.id, m.run_id, m.name, m.registered_at, m.last_heartbeat, m.terminated_at,
               (SELECT COUNT(*) FROM messages WHERE mailbox = m.id AND acked_at IS NULL)
        FROM mailboxes m
        """;

    private MailboxStatus? ReadMailbox(WriterStatements statements, Guid id, long now)
    {
        var query = statements.For(MailboxSelect + " WHERE m.id = $id");
        query.Parameters.AddWithValue("$id", Key(id));
        using var reader = query.ExecuteReader();
        return reader.Read() ? ToStatus(reader, now) : null;
    }

    private MailboxStatus ToStatus(SqliteDataReader reader, long now)
    {
        var lastHeartbeat = reader.GetInt64(4);
        var state = !reader.IsDBNull(5) ? MailboxState.Terminated
            : now - lastHeartbeat > (long)Limits.HeartbeatThreshold.TotalMilliseconds ? MailboxState.Inactive
            : MailboxState.Active;
        return new MailboxStatus(
            Guid.Parse(reader.GetString(0)),
            reader.GetString(1),
            reader.GetString(2),
            state,
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            DateTimeOffset.FromUnixTimeMilliseconds(lastHeartbeat),
            reader.GetInt64(6))
        {
            SilentFor = TimeSpan.FromMilliseconds(Math.Max(0, now - lastHeartbeat)),
            ExchangeStaleAfter = Limits.HeartbeatThreshold,
        };
    }

    private static long CountRunMailboxes(WriterStatements statements, string runId)
    {
        var count = statements.For("SELECT COUNT(*) FROM mailboxes WHERE run_id = $run");
        count.Parameters.AddWithValue("$run", runId);
        return (long)count.ExecuteScalar()!;
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    private static string Key(Guid id) => id.ToString("D");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writes.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_readConnectionString));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>A name as it may be quoted in an error: control characters escaped, at most 80 characters.</summary>
    private static string Printable(string name)
    {
        var escaped = string.Concat(name.Take(80).Select(character => char.IsControl(character) ? $"\\u{(int)character:x4}" : character.ToString()));
        return name.Length > 80 ? escaped + "..." : escaped;
    }
}
