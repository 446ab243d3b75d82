using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Group commit: every write to the store goes through one connection on one task, which takes all the
/// writes that arrived while the previous commit was syncing and runs them in a single transaction. Under
/// load, sixteen concurrent sends cost one fsync instead of sixteen, and no caller is answered before the
/// transaction that holds its write is durable. Each write runs inside its own SAVEPOINT, so one write
/// that fails (an unknown mailbox, say) rolls back alone and the rest of the group still commits.
/// A write is durable (fsync at commit, synchronous=FULL) or not (synchronous=NORMAL: it survives a
/// crash of this process, only a power loss or kernel crash of the host can undo it). A group is
/// committed durably when any write in it asks for it, and a FULL commit fsyncs the whole WAL, so it
/// also makes every earlier NORMAL commit durable.
/// The loop runs on its own thread, not the thread pool: a commit blocks in SQLite (and in fsync) for a
/// millisecond or more, and on a two-core host that would take one of the pool's two starting threads
/// away from the HTTP handlers at every commit. Statements are prepared once (<see cref="WriterStatements"/>).
/// </summary>
internal sealed class StoreWriteQueue : IAsyncDisposable
{
    /// <summary>Most writes in one transaction; bounds the latency of the last one in a burst.</summary>
    private const int MaxGroup = 512;

    private readonly WriterStatements _statements;
    // Synchronous continuations: the only continuation on this channel is the writer thread's wait, and
    // running it on the queuing thread just sets the event the writer sleeps on. Without it every write
    // that found the writer asleep cost a thread-pool hop first (a work item whose only job was that set).
    private readonly Channel<PendingWrite> _pending = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool? _synchronousFull;
    private long _writes;
    private long _commits;
    private long _durableCommits;
    private long _commitTicks;
    private long _slowCommits;
    private long _queueTicks;

    /// <param name="pendingAtOpen">Unacknowledged messages in the store when it opened (<see cref="WriterStatements.Pending"/>).</param>
    public StoreWriteQueue(SqliteConnection connection, long pendingAtOpen)
    {
        _statements = new WriterStatements(connection, pendingAtOpen);
        new Thread(Loop) { IsBackground = true, Name = "SwarmPS exchange writer" }.Start();
    }

    /// <summary>Totals since the queue started; read from any thread.</summary>
    public StoreWriteStatistics Statistics => new(
        Interlocked.Read(ref _writes), Interlocked.Read(ref _commits), Interlocked.Read(ref _durableCommits), Interlocked.Read(ref _commitTicks), Interlocked.Read(ref _slowCommits), Interlocked.Read(ref _queueTicks));

    /// <summary>Runs <paramref name="write"/> on the writer connection; completes after its transaction commits.</summary>
    public Task<T> RunAsync<T>(Func<WriterStatements, T> write, Action? afterCommit = null, bool durable = true)
    {
        var pending = new PendingWrite<T>(write, afterCommit, durable);
        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(StoreWriteQueue), "The exchange store is closed.");
        }

        return pending.Result;
    }

    private void Loop()
    {
        try
        {
            var group = new List<PendingWrite>(MaxGroup);
            var reader = _pending.Reader;

            // Blocking here is the point of having a thread of our own: it sleeps until a write arrives.
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                group.Clear();
                while (group.Count < MaxGroup && reader.TryRead(out var write))
                {
                    group.Add(write);
                }

                var started = Stopwatch.GetTimestamp();
                long queued = 0;
                foreach (var write in group)
                {
                    queued += started - write.Queued;
                }

                Interlocked.Add(ref _queueTicks, queued);
                CommitGroup(group);
                var took = Stopwatch.GetTimestamp() - started;
                Interlocked.Add(ref _commitTicks, took);
                if (took > StoreWriteStatistics.SlowCommit.TotalSeconds * Stopwatch.Frequency)
                {
                    Interlocked.Increment(ref _slowCommits);
                }

                Interlocked.Add(ref _writes, group.Count);
                Interlocked.Increment(ref _commits);
            }

            _statements.Dispose();
            _stopped.TrySetResult();
        }
        catch (Exception error)
        {
            _stopped.TrySetException(error);
        }
    }

    private void CommitGroup(List<PendingWrite> group)
    {
        try
        {
            var durable = group.Exists(w => w.Durable);
            if (durable)
            {
                Interlocked.Increment(ref _durableCommits);
            }

            if (_synchronousFull != durable)
            {
                // Only outside a transaction; costs nothing when the mode does not change.
                Execute(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
                _synchronousFull = durable;
            }

            Execute("BEGIN IMMEDIATE");

            foreach (var write in group)
            {
                Execute("SAVEPOINT w");
                try
                {
                    write.Execute(_statements);
                    Execute("RELEASE w");
                    _statements.Pending.WriteReleased();
                }
                catch (Exception error)
                {
                    _statements.Pending.WriteRolledBack();
                    Execute("ROLLBACK TO w");
                    Execute("RELEASE w");
                    write.Fail(error);
                }
            }

            Execute("COMMIT");
            _statements.Pending.GroupCommitted();
        }
        catch (Exception error)
        {
            // The commit itself failed (disk full, I/O error): nothing of this group is durable, so no
            // caller may be told it was accepted.
            _statements.Pending.GroupRolledBack();
            try
            {
                Execute("ROLLBACK");
            }
            catch (SqliteException)
            {
                // Already rolled back by SQLite.
            }

            foreach (var write in group)
            {
                write.Fail(new SwarmException(
                    "ExchangeStoreFailed",
                    $"The exchange store could not commit: {error.Message}",
                    "Check free space and permissions of the exchange state directory, then retry the request.",
                    SwarmErrorCategory.ResourceUnavailable,
                    innerException: error));
            }

            return;
        }

        foreach (var write in group)
        {
            write.Complete();
        }
    }

    private void Execute(string sql) => _statements.Execute(sql);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
    }

    private abstract class PendingWrite(bool durable)
    {
        public bool Durable { get; } = durable;

        /// <summary>When the write was queued: the wait until its group's commit starts is what the single writer costs a request.</summary>
        public long Queued { get; } = Stopwatch.GetTimestamp();

        public abstract void Execute(WriterStatements statements);

        public abstract void Fail(Exception error);

        public abstract void Complete();
    }

    private sealed class PendingWrite<T>(Func<WriterStatements, T> write, Action? afterCommit, bool durable) : PendingWrite(durable)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _value = default!;
        private bool _failed;

        public Task<T> Result => _done.Task;

        public override void Execute(WriterStatements statements) => _value = write(statements);

        public override void Fail(Exception error)
        {
            _failed = true;
            _done.TrySetException(error);
        }

        public override void Complete()
        {
            if (_failed)
            {
                return;
            }

            afterCommit?.Invoke();
            _done.TrySetResult(_value);
        }
    }
}
