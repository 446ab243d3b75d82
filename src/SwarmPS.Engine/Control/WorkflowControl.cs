using System.Text.Json.Nodes;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The workflow commands (Start-/Stop-/Get-SwarmWorkflow) to a running campaign's workflow agent, an ordinary
/// agent whose mailbox id is derived from the run id and its name. The agent must be live first: a missing
/// one is named at once rather than after a timeout.
/// </summary>
public sealed class WorkflowControl(IExchange exchange, ControlToken token, string nameSpace, string runId, string agent)
{
    public const string DefaultAgent = "workflow";

    private Guid Target => AgentMailboxId.For(runId, agent);

    private string Receiver => $"workflow agent '{agent}' of run '{runId}'";

    public async Task<WorkflowExecution> StartAsync(string workflow, JsonObject parameters, TimeSpan timeout, Guid? correlationId, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(ControlCommand.WorkflowStart, new JsonObject { ["workflow"] = workflow, ["parameters"] = parameters }, timeout, correlationId, cancellationToken).ConfigureAwait(false);
        return WorkflowExecution.From(reply.Result ?? new JsonObject(), runId, agent);
    }

    public async Task<WorkflowExecution> StopAsync(string executionId, TimeSpan timeout, Guid? correlationId, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(ControlCommand.WorkflowStop, new JsonObject { ["execution_id"] = executionId }, timeout, correlationId, cancellationToken).ConfigureAwait(false);
        return WorkflowExecution.From(reply.Result ?? new JsonObject(), runId, agent);
    }

    public async Task<IReadOnlyList<WorkflowExecution>> ListAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(ControlCommand.WorkflowList, new JsonObject(), timeout, null, cancellationToken).ConfigureAwait(false);
        return (reply.Result?["executions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(execution => WorkflowExecution.From(execution, runId, agent)).ToList();
    }

    private async Task<ControlReply> SendAsync(string command, JsonObject args, TimeSpan timeout, Guid? correlationId, CancellationToken cancellationToken)
    {
        var mailbox = (await exchange.GetStatusAsync(new[] { Target }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (mailbox is null || mailbox.State == MailboxState.Terminated)
        {
            throw new SwarmException(
                "WorkflowAgentNotFound",
                mailbox is null
                    ? $"Run '{runId}' has no agent '{agent}' on this exchange (no mailbox {Target})."
                    : $"The {Receiver} has ended (its mailbox is terminated since {ControlTime.Format(mailbox.LastHeartbeat)}).",
                $"Check the run id and the workflow agent's name (-Agent, default '{DefaultAgent}'); start the campaign's site that runs it (Start-SwarmSite, or Send-SwarmControl -Command Start).",
                SwarmErrorCategory.ObjectNotFound,
                runId);
        }

        return await new ControlClient(exchange, token, nameSpace).SendAsync(
            Target, Receiver, command, args, timeout, correlationId, cancellationToken, (sent, silent) => NoReply(sent, timeout, silent)).ConfigureAwait(false);
    }

    private SwarmException NoReply(ControlCommand sent, TimeSpan waited, MailboxStatus? mailbox) => new(
        "WorkflowAgentNoReply",
        $"The {Receiver} (mailbox {Target}) did not answer '{sent.Command}' (correlation id {sent.CorrelationId}) within {waited.TotalSeconds:0} s. "
        + (mailbox is null ? "Its mailbox is gone from the exchange." : $"Its mailbox is {mailbox.State.ToString().ToUpperInvariant()}, last heartbeat {ControlTime.Format(mailbox.LastHeartbeat)}."),
        $"Check the agent with Get-SwarmAgent -RunId {runId} and its stderr.log (is it a workflow agent of docs/control-protocol.md? busy with a long stop?); the command expired at {ControlTime.Format(sent.ExpiresAt)} and will not run later. A retry with -CorrelationId {sent.CorrelationId} is never executed twice.",
        SwarmErrorCategory.OperationTimeout,
        Target);
}
