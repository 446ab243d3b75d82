using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgent: the agents a launch started on this machine or on a remote site (-Site, over SSH), with process state and exchange liveness.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgent")]
[OutputType(typeof(AgentReport))]
public sealed class GetSwarmAgentCommand : LaunchedRunCmdlet
{
    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var layout in RunLocator.FindHere(SiteCatalog.Default, RunId, Site))
        {
            using var exchange = ConnectExchange(layout);
            WriteObject(Await(_ => AgentReport.ReadAsync(layout, exchange, StopToken)), enumerateCollection: true);
        }

        // A site reached over SSH is read there (its status and events, on the host that runs it).
        foreach (var site in RunLocator.RemoteSites(SiteCatalog.Default, Site))
        {
            RunForItem(() =>
            {
                using var exchange = LaunchExchange.TryConnect(ExchangeUrl);
                WriteObject(Await(_ => AgentReport.ReadRemoteAsync(site, RunId, exchange, StopToken)), enumerateCollection: true);
            });
        }
    });
}
