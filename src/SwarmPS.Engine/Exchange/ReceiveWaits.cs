namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The gateway's long polls in progress, by mailbox and the poll id their client chose. HttpListener
/// does not tell a handler that its client hung up, so a client that gives up a wait (Ctrl+C) says so
/// (POST .../receive/cancel): the wait then ends without leasing, instead of leasing the next message
/// to a closed connection where it would stay hidden for the whole lease.
/// </summary>
public sealed class ReceiveWaits
{
    /// <summary>How long a cancel that overtook its own wait is remembered (the wait is still in transit).</summary>
    private static readonly TimeSpan EarlyCancelMemory = TimeSpan.FromSeconds(60);

    /// <summary>Bounds the memory of early cancels, whatever clients send.</summary>
    private const int MaxEarlyCancels = 4096;

    private readonly object _gate = new();
    private readonly Dictionary<(Guid Mailbox, Guid Poll), CancellationTokenSource> _waiting = new();
    private readonly Dictionary<(Guid Mailbox, Guid Poll), DateTimeOffset> _cancelledEarly = new();
    private readonly Queue<(Guid Mailbox, Guid Poll)> _earlyOrder = new();

    /// <summary>
    /// Registers a wait; its token is cancelled by <see cref="Cancel"/> or <paramref name="stopping"/>.
    /// Null when the wait was cancelled before it arrived: the caller answers at once, empty.
    /// </summary>
    public Registration? Begin(Guid mailbox, Guid poll, CancellationToken stopping)
    {
        lock (_gate)
        {
            if (_cancelledEarly.Remove((mailbox, poll)))
            {
                return null;
            }

            var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _waiting[(mailbox, poll)] = wait;
            return new Registration(this, mailbox, poll, wait);
        }
    }

    /// <summary>Ends the wait with that id; true when one was in progress. An unknown id is remembered, in case its wait is still on the way.</summary>
    public bool Cancel(Guid mailbox, Guid poll)
    {
        CancellationTokenSource? wait;
        lock (_gate)
        {
            if (!_waiting.Remove((mailbox, poll), out wait))
            {
                RememberEarlyCancel((mailbox, poll));
                return false;
            }
        }

        // Outside the lock: cancelling runs the wait's continuations, which end it and take the lock.
        try
        {
            wait.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait ended by itself meanwhile; there is nothing left to stop.
        }

        return true;
    }

    /// <summary>Waits in progress plus remembered early cancels (for bounded-memory checks).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count + _cancelledEarly.Count;
            }
        }
    }

    private void RememberEarlyCancel((Guid Mailbox, Guid Poll) key)
    {
        var now = DateTimeOffset.UtcNow;
        while (_earlyOrder.Count > 0 && (_earlyOrder.Count >= MaxEarlyCancels || !_cancelledEarly.TryGetValue(_earlyOrder.Peek(), out var at) || now - at > EarlyCancelMemory))
        {
            _cancelledEarly.Remove(_earlyOrder.Dequeue());
        }

        if (_cancelledEarly.TryAdd(key, now))
        {
            _earlyOrder.Enqueue(key);
        }
    }

    private void End((Guid Mailbox, Guid Poll) key, CancellationTokenSource wait)
    {
        lock (_gate)
        {
            // A client reusing a poll id may have replaced this wait: remove only our own.
            if (_waiting.TryGetValue(key, out var current) && current == wait)
            {
                _waiting.Remove(key);
            }

            wait.Dispose();
        }
    }

    /// <summary>One wait in progress; disposing it ends the registration.</summary>
    public sealed class Registration : IDisposable
    {
        private readonly ReceiveWaits _owner;
        private readonly (Guid Mailbox, Guid Poll) _key;
        private readonly CancellationTokenSource _wait;

        internal Registration(ReceiveWaits owner, Guid mailbox, Guid poll, CancellationTokenSource wait)
        {
            _owner = owner;
            _key = (mailbox, poll);
            _wait = wait;
            Token = wait.Token;
        }

        public CancellationToken Token { get; }

        public void Dispose() => _owner.End(_key, _wait);
    }
}
