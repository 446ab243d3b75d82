using System.Management.Automation;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgent: the agents a launch started on this machine, with process state and exchange liveness.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgent")]
[OutputType(typeof(AgentReport))]
public sealed class GetSwarmAgentCommand : LaunchedRunCmdlet
{
    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var layout in SiteLayouts())
        {
            using var exchange = ConnectExchange(layout);
            WriteObject(Await(_ => AgentReport.ReadAsync(layout, exchange, StopToken)), enumerateCollection: true);
        }
    });
}
