using System.Collections.Concurrent;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Wakes long-polling receivers of one mailbox when a send to it commits. A receiver takes the current
/// signal before it looks for messages, so a send that commits in between still wakes it; a pulse
/// replaces the signal, so entries exist only for mailboxes someone is waiting on.
/// </summary>
public sealed class MailboxSignals
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _waiting = new();

    /// <summary>A task that completes at the next send to <paramref name="mailboxId"/>.</summary>
    public Task NextSend(Guid mailboxId) =>
        _waiting.GetOrAdd(mailboxId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Pulse(Guid mailboxId)
    {
        if (_waiting.TryRemove(mailboxId, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>How many mailboxes have a receiver waiting (for bounded-memory checks).</summary>
    public int WaitingMailboxes => _waiting.Count;
}
