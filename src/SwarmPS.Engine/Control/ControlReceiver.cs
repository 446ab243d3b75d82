using System.Text.Json.Nodes;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The receiving side of the protocol, for one mailbox: opens each message, checks it in the order
/// docs/control-protocol.md gives (MAC, shape, namespace, target, expiry, replay), runs what passes through
/// <c>execute</c>, replies, and records every command, accepted or refused, as a <c>control_command</c> event
/// with who and what (never the token or the MAC). Messages are handled one at a time, in order.
/// </summary>
public sealed class ControlReceiver(
    IExchange exchange,
    ControlToken token,
    string nameSpace,
    Guid ownMailbox,
    HandledCommands handled,
    EventLog events,
    string site,
    string agent,
    Func<ControlCommand, CancellationToken, Task<JsonObject>> execute)
{
    /// <summary>The longest a command may be valid: a longer expiry is refused, so the journal stays bounded.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    /// <summary>How far a sender's clock may run ahead of the receiver's.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Handles one message. <paramref name="acknowledge"/> is called once it is settled: for an accepted command, as
    /// soon as it is journaled and before it runs, so its lease never has to cover the run (a start waits up to a
    /// minute) and a crash mid-run leaves a journal entry without a reply, reported as ControlCommandInterrupted
    /// to a retry rather than run twice: control is at most once.
    /// </summary>
    public async Task HandleAsync(ReceivedMessage message, Func<Task> acknowledge, CancellationToken cancellationToken)
    {
        var acknowledged = false;
        async Task SettleAsync()
        {
            if (!acknowledged)
            {
                acknowledged = true;
                await acknowledge().ConfigureAwait(false);
            }
        }

        try
        {
            await HandleOneAsync(message, SettleAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await SettleAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleOneAsync(ReceivedMessage message, Func<Task> settle, CancellationToken cancellationToken)
    {
        var envelope = ControlEnvelope.TryRead(message.Body);
        if (envelope is null)
        {
            Record(new() { ["accepted"] = false, ["verified"] = false, ["ignored"] = "not a control message", ["message_id"] = message.Id.ToString() });
            return;
        }

        if (!envelope.IsSealedWith(token))
        {
            await RefuseUnsealedAsync(envelope, cancellationToken).ConfigureAwait(false);
            return;
        }

        var command = ControlCommand.TryParse(envelope.Payload, out var problem);
        if (command is null)
        {
            // Sealed by a token holder but not a command we can read: answer where it claims to want answers.
            if (ControlCommand.TryClaimedReturn(envelope.Payload) is { } claimed)
            {
                var invalid = ControlErrors.CommandInvalid(problem ?? "unreadable");
                await ReplyAsync(claimed.ReplyTo, Sealed(new ControlReply
                {
                    Namespace = nameSpace, CorrelationId = claimed.CorrelationId, Command = "", From = ownMailbox, Error = ControlError.Of(invalid),
                }), cancellationToken).ConfigureAwait(false);
            }

            Record(new() { ["accepted"] = false, ["verified"] = true, ["error_id"] = "ControlCommandInvalid", ["problem"] = problem });
            return;
        }

        if (Check(command, DateTimeOffset.UtcNow) is { } refusal)
        {
            await ReplyAsync(command.ReplyTo, Sealed(ControlReply.Refusal(command, ownMailbox, refusal)), cancellationToken).ConfigureAwait(false);
            Record(Fields(command, accepted: false, replayed: false, refusal.ErrorId));
            return;
        }

        if (handled.Find(command.CorrelationId) is { } seen)
        {
            var again = seen.Reply is { } reply
                ? reply with { Replayed = true, SentAt = DateTimeOffset.UtcNow }
                : ControlReply.Refusal(command, ownMailbox, ControlErrors.CommandInterrupted(command)) with { Replayed = true };
            await ReplyAsync(command.ReplyTo, Sealed(again), cancellationToken).ConfigureAwait(false);
            Record(Fields(command, accepted: false, replayed: true, again.Error?.ErrorId));
            return;
        }

        handled.Accepted(command);
        Record(Fields(command, accepted: true, replayed: false, null));
        await settle().ConfigureAwait(false);
        ControlReply answer;
        try
        {
            answer = ControlReply.Success(command, ownMailbox, await execute(command, cancellationToken).ConfigureAwait(false));
        }
        catch (SwarmException error)
        {
            answer = ControlReply.Refusal(command, ownMailbox, error);
        }

        handled.Replied(command, answer);
        events.Append(SwarmEvent.Now(site, agent, ControlEvents.Reply, new Dictionary<string, object?>
        {
            ["correlation_id"] = command.CorrelationId.ToString(),
            ["command"] = command.Command,
            ["ok"] = answer.Ok,
            ["error_id"] = answer.Error?.ErrorId,
        }));
        await ReplyAsync(command.ReplyTo, Sealed(answer), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The checks after the MAC, in the protocol's order; null when the command may run.</summary>
    private SwarmException? Check(ControlCommand command, DateTimeOffset now)
    {
        if (command.Namespace != nameSpace)
        {
            return ControlErrors.NamespaceMismatch(command.Namespace, nameSpace, agent);
        }

        if (command.Target != ownMailbox)
        {
            return ControlErrors.TargetMismatch(command.Target, ownMailbox, agent);
        }

        if (now > command.ExpiresAt || command.ExpiresAt - command.SentAt > MaxLifetime || command.SentAt > now + ClockSkew)
        {
            return ControlErrors.CommandExpired(command, now);
        }

        return null;
    }

    private async Task RefuseUnsealedAsync(ControlEnvelope envelope, CancellationToken cancellationToken)
    {
        var claimed = ControlCommand.TryClaimedReturn(envelope.Payload);
        if (claimed is { } target)
        {
            var refusal = new ControlReply
            {
                Namespace = nameSpace,
                CorrelationId = target.CorrelationId,
                Command = "",
                From = ownMailbox,
                Error = ControlError.Of(ControlErrors.TokenRejected(agent, nameSpace)),
            };
            await ReplyAsync(target.ReplyTo, ControlEnvelope.Unsealed(refusal.ToJson()), cancellationToken).ConfigureAwait(false);
        }

        // Nothing of the payload is believed, but what it claims helps an operator find who tried.
        Record(new()
        {
            ["correlation_id"] = claimed?.CorrelationId.ToString(),
            ["accepted"] = false,
            ["verified"] = false,
            ["error_id"] = "ControlTokenRejected",
        });
    }

    private string Sealed(ControlReply reply) => ControlEnvelope.Seal(token, reply.ToJson());

    /// <summary>A reply that cannot be delivered (the caller gave up and freed its mailbox, the exchange is away) is dropped; the outcome stays recorded.</summary>
    private async Task ReplyAsync(Guid replyTo, string body, CancellationToken cancellationToken)
    {
        try
        {
            await exchange.SendAsync(OutgoingMessage.Create(replyTo, body, ownMailbox), cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (!cancellationToken.IsCancellationRequested)
        {
            // Gone (MailboxNotFound, MailboxTerminated), or the exchange away for a moment: the outcome is in the
            // journal either way, and a retry with the same correlation id is answered from there.
            Record(new() { ["reply_to"] = replyTo.ToString(), ["reply_dropped"] = error.ErrorId });
        }
    }

    private static Dictionary<string, object?> Fields(ControlCommand command, bool accepted, bool replayed, string? errorId) => new()
    {
        ["correlation_id"] = command.CorrelationId.ToString(),
        ["command"] = command.Command,
        ["namespace"] = command.Namespace,
        ["sender"] = command.Sender.ToString(),
        ["verified"] = true,
        ["accepted"] = accepted,
        ["replayed"] = replayed,
        ["error_id"] = errorId,
    };

    private void Record(Dictionary<string, object?> fields) => events.Append(SwarmEvent.Now(site, agent, ControlEvents.Command, fields));
}
