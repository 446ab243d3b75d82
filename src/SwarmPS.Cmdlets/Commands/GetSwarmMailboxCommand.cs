using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmMailbox: id, name, state, last heartbeat and pending count of mailboxes, by id or by run and agent name.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmMailbox", DefaultParameterSetName = ByIdSet)]
[OutputType(typeof(MailboxStatus))]
public sealed class GetSwarmMailboxCommand : ExchangeClientCmdlet
{
    private const string ByIdSet = "ById";
    private const string ByNameSet = "ByName";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public Guid[] Id { get; set; } = Array.Empty<Guid>();

    [Parameter(ParameterSetName = ByNameSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = "";

    [Parameter(ParameterSetName = ByNameSet, Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Agent")]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        var ids = ParameterSetName == ByNameSet ? Name.Select(n => AgentMailboxId.For(RunId, n)).ToArray() : Id;
        foreach (var lookup in Await(_ => MailboxLookup.FindAsync(Client, ids, StopToken)))
        {
            if (lookup.NotFound is { } missing)
            {
                WriteError(ToErrorRecord(missing));
            }
            else
            {
                WriteObject(lookup.Mailbox);
            }
        }
    });
}
