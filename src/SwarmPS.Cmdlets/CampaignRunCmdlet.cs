using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the cmdlets that act on one run of a campaign through its exchange (Start-SwarmSite,
/// Send-SwarmBootstrap): the campaign from the pipeline, the run id, and the exchange found as the engine
/// finds it for every command of a run (-ExchangeUrl, else the campaign's url, else SWARM_EXCHANGE_URL).
/// </summary>
public abstract class CampaignRunCmdlet : ExchangeClientCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Campaign Campaign { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    protected override ExchangeConnection Connection() => CampaignExchange.Connection(Campaign, ExchangeUrl);
}
