using System.Management.Automation;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgentId: the deterministic mailbox id of each named agent in a run.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgentId")]
[OutputType(typeof(AgentIdentity))]
public sealed class GetSwarmAgentIdCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Agent")]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var name in Name)
        {
            RunForItem(() => WriteObject(AgentIdentity.For(RunId, name)));
        }
    });
}
