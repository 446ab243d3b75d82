using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmAgent: the agents a launch started on this machine, with process state and exchange liveness.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAgent")]
[OutputType(typeof(AgentReport))]
public sealed class GetSwarmAgentCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[]? Site { get; set; }

    [Parameter]
    public string? ExchangeUrl { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var layout in RunLocator.Find(SiteCatalog.Default, RunId, Site))
        {
            using var exchange = LaunchExchange.TryConnect(ExchangeUrl ?? SiteStatusFile.TryRead(layout.StatusFile)?.ExchangeUrl);
            WriteObject(Await(_ => AgentReport.ReadAsync(layout, exchange, StopToken)), enumerateCollection: true);
        }
    });
}
