using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// A role's side of its mailbox: sends training messages to another role (waiting, up to a deadline, for a
/// mailbox its site has not registered yet: sites start in any order) and receives the training messages
/// sent to it, acknowledging each once read. A message counts only when it came from the mailbox of the role
/// it speaks for (<paramref name="expectedSender"/>: the coordinator expects each contributor to speak for
/// itself, a contributor expects the coordinator), so writing another's id into a body does not make an agent
/// speak for it. (The sender is what the sending client states; every agent of a run holds the exchange token,
/// so this guards against mistakes and casual spoofing, not a forger: docs/training-live.md "Messages".)
/// Anything else in the mailbox is acknowledged and
/// reported, so a stray message can neither block the run nor pass unnoticed.
/// </summary>
public sealed class RoleMailbox(IExchange exchange, TrainingRoleContext context, Func<TrainingMessage, string> expectedSender, Action<string>? stray = null)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    public async Task SendAsync(string agent, TrainingMessage message, TimeSpan waitForMailbox, CancellationToken cancellationToken)
    {
        var outgoing = OutgoingMessage.Create(context.MailboxOf(agent), message.ToBody(), context.Mailbox);
        var deadline = DateTimeOffset.UtcNow + waitForMailbox;
        while (true)
        {
            try
            {
                await exchange.SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SwarmException error) when (error.ErrorId is "MailboxNotFound" or "ExchangeUnreachable" && DateTimeOffset.UtcNow < deadline)
            {
                // The same message id on every try: a send whose answer was lost is stored once.
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The training messages that arrive within <paramref name="wait"/> (none when none did).</summary>
    public async Task<IReadOnlyList<TrainingMessage>> ReceiveAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var received = await exchange.ReceiveAsync(context.Mailbox, new ReceiveRequest(MaxMessages: 50, Wait: wait), cancellationToken).ConfigureAwait(false);
        if (received.Count == 0)
        {
            return Array.Empty<TrainingMessage>();
        }

        var messages = new List<TrainingMessage>();
        foreach (var message in received)
        {
            if (TrainingMessage.TryParse(message.Body, out var parsed))
            {
                if (message.From == context.MailboxOf(expectedSender(parsed!)))
                {
                    messages.Add(parsed!);
                }
                else
                {
                    stray?.Invoke($"{parsed} came from mailbox {message.From?.ToString() ?? "(none)"}, not from {expectedSender(parsed!)}'s");
                }
            }
            else
            {
                stray?.Invoke(message.Body.Length > 120 ? message.Body[..120] + "..." : message.Body);
            }
        }

        await exchange.AcknowledgeAsync(context.Mailbox, received.Select(message => message.Id).ToList(), cancellationToken).ConfigureAwait(false);
        return messages;
    }
}
