namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Long polls (receives that wait) in progress, bounded per mailbox and for the whole exchange. Every
/// client shares one bearer token, so the budget is per mailbox: one agent (or one hostile client
/// holding the token) cannot take every request slot, and the exchange keeps slots for sends, acks
/// and health. A receive over either bound is answered 429 LongPollLimitReached at once.
/// </summary>
public sealed class LongPollBudget(ExchangeLimits limits)
{
    private readonly object _gate = new();
    private readonly Dictionary<Guid, int> _byMailbox = new();
    private int _total;

    /// <summary>Long polls in progress on the whole exchange.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes one long poll on <paramref name="mailbox"/>; dispose the result when the poll ends.</summary>
    public IDisposable Enter(Guid mailbox)
    {
        lock (_gate)
        {
            if (_total >= limits.MaxLongPolls)
            {
                throw LimitReached($"The exchange already has {limits.MaxLongPolls} long polls in progress, the most it allows.");
            }

            var onMailbox = _byMailbox.GetValueOrDefault(mailbox);
            if (onMailbox >= limits.MaxLongPollsPerMailbox)
            {
                throw LimitReached($"Mailbox {mailbox} already has {limits.MaxLongPollsPerMailbox} long polls in progress, the most one mailbox may hold.");
            }

            _byMailbox[mailbox] = onMailbox + 1;
            _total++;
            return new Lease(this, mailbox);
        }
    }

    private void Leave(Guid mailbox)
    {
        lock (_gate)
        {
            _total--;
            if (--_byMailbox[mailbox] == 0)
            {
                _byMailbox.Remove(mailbox);
            }
        }
    }

    private static SwarmException LimitReached(string message) => new(
        "LongPollLimitReached",
        message,
        "Wait for the receives in progress to end (or cancel them) before starting another, or receive without a wait; an agent needs one long poll at a time.",
        SwarmErrorCategory.InvalidOperation);

    private sealed class Lease(LongPollBudget owner, Guid mailbox) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Leave(mailbox);
            }
        }
    }
}
