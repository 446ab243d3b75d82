using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The operator's kickoff: the campaign's user task, sent once to the initial agent (or another named
/// recipient) when it is live. The message id is derived from the run id and recipient, so sending
/// again (a retry, a second operator, a site with -Bootstrap) stores it once.
/// </summary>
public static class CampaignBootstrap
{
    /// <summary>The kickoff message body agents receive (see docs/agent-contract.md).</summary>
    public static string Body(Campaign campaign, string runId) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["kind"] = "bootstrap",
        ["campaign"] = campaign.Name,
        ["run_id"] = runId,
        ["task"] = campaign.UserTask,
    });

    public static Guid MessageId(string runId, string recipient) =>
        AgentMailboxId.UuidV5(AgentMailboxId.Namespace, $"bootstrap/{runId}/{recipient}");

    public static async Task<BootstrapReceipt> SendAsync(
        IExchange exchange,
        Campaign campaign,
        string runId,
        string? recipient,
        TimeSpan timeout,
        IProgress<IReadOnlyList<string>>? waiting,
        CancellationToken cancellationToken)
    {
        CampaignRunId.Validate(runId);
        var name = string.IsNullOrWhiteSpace(recipient) ? campaign.InitialAgent : recipient;
        var recipientId = AgentMailboxId.For(runId, name);
        var knownAgents = campaign.SliceOf ?? campaign.AgentNames;
        if (!knownAgents.Contains(name, StringComparer.Ordinal))
        {
            throw NotFound(runId, name, recipientId, $"'{name}' is not an agent of campaign '{campaign.Name}' (agents: {string.Join(", ", knownAgents)}).");
        }

        try
        {
            await new PeerRendezvous(exchange).WaitForAsync(runId, new[] { name }, timeout, waiting, cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "PeerDiscoveryTimeout")
        {
            throw NotFound(runId, name, recipientId, $"The mailbox of '{name}' ({recipientId}) was not live within {timeout.TotalSeconds:0.#} s.");
        }

        var messageId = MessageId(runId, name);
        var receipt = await exchange.SendAsync(new OutgoingMessage(messageId, recipientId, Body(campaign, runId)), cancellationToken).ConfigureAwait(false);
        return new BootstrapReceipt(runId, name, recipientId, messageId, receipt.Duplicate, DateTimeOffset.UtcNow);
    }

    private static SwarmException NotFound(string runId, string name, Guid id, string problem) => new(
        "BootstrapRecipientNotFound",
        $"{problem} Recipient '{name}' of run '{runId}' has mailbox id {id}.",
        "Check the recipient's name and run id, and that its site was started (Get-SwarmAgent -RunId shows what runs); raise -Timeout to wait longer.",
        SwarmErrorCategory.ObjectNotFound,
        name);
}
