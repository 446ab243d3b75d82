using System.Management.Automation;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Send-SwarmControl: sends Start, Stop or Status to a site's agent manager over the exchange, waits for its answer and returns it.</summary>
[Cmdlet(VerbsCommunications.Send, "SwarmControl", SupportsShouldProcess = true)]
[OutputType(typeof(ControlResult))]
public sealed class SendSwarmControlCommand : ControlCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string Site { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateSet("Start", "Stop", "Status")]
    public string Command { get; set; } = "";

    /// <summary>Start: the campaign file, as a path on the site (relative paths are taken from the manager's working directory).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Campaign { get; set; }

    /// <summary>Start: the run id of the slice to start. Stop: only this run (default every slice the manager started).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    /// <summary>Start: only these agents of the site's slice.</summary>
    [Parameter]
    public string[]? Agent { get; set; }

    /// <summary>Seconds to wait for the answer; the command expires then and never runs later.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int Timeout { get; set; } = 90;

    /// <summary>Whose manager: the account it runs under on the site (default your user name here; say it when the two differ). You need that namespace's control token all the same.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>Reuse to retry a command whose answer was lost: the manager runs one correlation id once and answers a repeat from its journal.</summary>
    [Parameter]
    public Guid? CorrelationId { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var identity = ManagerIdentity.For(ResolvedNamespace, User, Site);
        var command = Command.ToLowerInvariant();
        var args = new JsonObject();
        if (command == ControlCommand.Start)
        {
            args["campaign"] = Campaign ?? throw Missing("Campaign");
            args["run_id"] = RunId ?? throw Missing("RunId");
            if (Agent is { Length: > 0 })
            {
                args["agents"] = new JsonArray(Agent.Select(name => (JsonNode)name).ToArray());
            }
        }
        else if (command == ControlCommand.Stop && RunId is not null)
        {
            args["run_id"] = RunId;
        }

        if (command != ControlCommand.Status && !ShouldProcess($"{identity}{(RunId is null ? "" : $", run {RunId}")}", Command))
        {
            return;
        }

        var token = Token();
        var mailbox = Await(_ => Client.GetStatusAsync(new[] { identity.MailboxId }, StopToken)).FirstOrDefault();
        if (mailbox is null or { State: MailboxState.Terminated })
        {
            throw ManagerErrors.NotFound(identity, mailbox, ManagerDiscovery.OtherNamespaces(identity.Namespace, identity.Site));
        }

        var reply = Await(_ => new ControlClient(Client, token, identity.Namespace).SendAsync(
            identity.MailboxId, identity.ToString(), command, args, TimeSpan.FromSeconds(Timeout), CorrelationId, StopToken));
        WriteObject(ControlResult.From(identity.Site, reply));
    });

    private static Engine.SwarmException Missing(string parameter) => new(
        "ControlArgumentMissing",
        $"Send-SwarmControl -Command Start needs -{parameter}.",
        "Pass -Campaign <campaign file on the site> and -RunId <run id>: Send-SwarmControl -Site alpha -Command Start -Campaign ~/chat/campaign.yaml -RunId chat-007.",
        Engine.SwarmErrorCategory.InvalidArgument,
        parameter);
}
