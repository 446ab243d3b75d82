using System.Text.Json.Nodes;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The caller's side of the protocol (Send-SwarmControl, the workflow cmdlets): claims a reply mailbox, sends
/// one sealed command, waits for the reply with its correlation id, and frees the mailbox. A sealed refusal
/// becomes a <see cref="SwarmException"/> with the receiver's own error id; an unsealed one is believed only
/// as ControlTokenRejected; silence until the timeout is <c>AgentManagerNoReply</c>, naming the last heartbeat.
/// </summary>
public sealed class ControlClient(IExchange exchange, ControlToken token, string nameSpace)
{
    /// <summary>Reply mailboxes are a small pool per user (reply.&lt;user&gt;.&lt;slot&gt;), reused, so a namespace never fills its run's mailbox limit.</summary>
    public const int ReplySlots = 64;

    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Sends <paramref name="command"/> with <paramref name="args"/> to <paramref name="target"/> and returns the verified reply.
    /// <paramref name="receiver"/> names the receiver in errors ("agent manager of alice on site 'alpha' (namespace 'default')").
    /// </summary>
    /// <param name="silence">The error for no answer in time, given the command and the receiver's mailbox as the exchange then reports it; default <see cref="ManagerErrors.NoReply"/>.</param>
    public async Task<ControlReply> SendAsync(
        Guid target, string receiver, string command, JsonObject args, TimeSpan timeout, Guid? correlationId, CancellationToken cancellationToken,
        Func<ControlCommand, MailboxStatus?, SwarmException>? silence = null)
    {
        var replyTo = await ClaimReplyMailboxAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var sent = new ControlCommand
            {
                Namespace = nameSpace,
                CorrelationId = correlationId ?? Guid.NewGuid(),
                Command = command,
                Target = target,
                ReplyTo = replyTo,
                SentAt = now,
                ExpiresAt = now + timeout,
                Sender = ControlSender.Current,
                Args = args,
            };
            await exchange.SendAsync(OutgoingMessage.Create(target, ControlEnvelope.Seal(token, sent.ToJson()), replyTo), cancellationToken).ConfigureAwait(false);
            var reply = await AwaitReplyAsync(replyTo, sent, timeout, cancellationToken).ConfigureAwait(false);
            if (reply is null)
            {
                var mailbox = (await exchange.GetStatusAsync(new[] { target }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
                throw silence?.Invoke(sent, mailbox) ?? ManagerErrors.NoReply(receiver, target, sent, timeout, mailbox);
            }

            return reply.Error is { } error
                ? throw new SwarmException(error.ErrorId, error.Message, error.Remediation, CategoryOf(error.ErrorId), target)
                : reply;
        }
        finally
        {
            await FreeAsync(replyTo).ConfigureAwait(false);
        }
    }

    private async Task<Guid> ClaimReplyMailboxAsync(CancellationToken cancellationToken)
    {
        var runId = SwarmNamespace.ControlRunId(nameSpace);
        for (var slot = 0; slot < ReplySlots; slot++)
        {
            var name = $"reply.{Environment.UserName}.{slot}";
            try
            {
                return (await exchange.RegisterAsync(runId, name, cancellationToken).ConfigureAwait(false)).Id;
            }
            catch (SwarmException error) when (error.ErrorId == "MailboxExists")
            {
                // Another command of this user is waiting on that one.
            }
        }

        throw new SwarmException(
            "ControlReplySlotsBusy",
            $"All {ReplySlots} reply mailboxes of user {Environment.UserName} in namespace '{nameSpace}' are in use: that many commands are waiting at once (or callers were killed less than the exchange's heartbeat threshold ago).",
            "Wait for some to finish (a killed caller's slot frees itself after 30 s), then send again.",
            SwarmErrorCategory.ResourceUnavailable,
            runId);
    }

    /// <summary>The reply to <paramref name="sent"/>, or null at the timeout. Others in the mailbox (late replies to earlier commands of a reused slot) are acknowledged and dropped.</summary>
    private async Task<ControlReply?> AwaitReplyAsync(Guid replyTo, ControlCommand sent, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            var messages = await exchange.ReceiveAsync(replyTo, new ReceiveRequest(MaxMessages: 10, Wait: left < PollWait ? left : PollWait), cancellationToken).ConfigureAwait(false);
            if (messages.Count > 0)
            {
                await exchange.AcknowledgeAsync(replyTo, messages.Select(message => message.Id).ToList(), cancellationToken).ConfigureAwait(false);
            }

            foreach (var message in messages)
            {
                if (Open(message.Body, sent) is { } reply)
                {
                    return reply;
                }
            }
        }

        return null;
    }

    /// <summary>A sealed reply to this command, or an unsealed refusal naming the token; anything else is not ours to believe.</summary>
    private ControlReply? Open(string body, ControlCommand sent)
    {
        var envelope = ControlEnvelope.TryRead(body);
        if (envelope is null || ControlReply.TryParse(envelope.Payload) is not { } reply || reply.CorrelationId != sent.CorrelationId)
        {
            return null;
        }

        if (envelope.IsSealedWith(token))
        {
            return reply;
        }

        return reply.Error?.ErrorId == "ControlTokenRejected"
            ? reply with { Result = null, Error = ControlError.Of(ControlErrors.TokenRejected(ReceiverOf(sent), nameSpace)) }
            : null;
    }

    private static string ReceiverOf(ControlCommand sent) => $"receiver of '{sent.Command}' (mailbox {sent.Target})";

    private async Task FreeAsync(Guid replyTo)
    {
        try
        {
            await exchange.TerminateAsync(replyTo, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SwarmException)
        {
            // Unreachable now: the slot frees itself once its heartbeat goes stale.
        }
    }

    /// <summary>The category a receiver's error id is reported under here, so a script's catch by category works across the wire.</summary>
    private static SwarmErrorCategory CategoryOf(string errorId) => errorId switch
    {
        "ControlTokenRejected" => SwarmErrorCategory.PermissionDenied,
        "ControlCommandExpired" => SwarmErrorCategory.OperationTimeout,
        "AgentsAlreadyRunning" => SwarmErrorCategory.ResourceExists,
        "AgentManagerRunUnknown" or "WorkflowUnknown" or "WorkflowExecutionUnknown" => SwarmErrorCategory.ObjectNotFound,
        "ControlNamespaceMismatch" or "ControlTargetMismatch" or "ControlCommandUnknown" or "ControlArgumentMissing" => SwarmErrorCategory.InvalidArgument,
        _ => SwarmErrorCategory.InvalidOperation,
    };
}
