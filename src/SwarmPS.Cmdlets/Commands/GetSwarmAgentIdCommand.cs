using System.Management.Automation;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgentId: the deterministic mailbox id of each named agent in a run.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgentId")]
[OutputType(typeof(AgentIdentity))]
public sealed class GetSwarmAgentIdCommand : RunAgentsCmdlet
{
    protected override void ProcessAgent(string name) => RunForItem(() => WriteObject(AgentIdentity.For(RunId, name)));
}
