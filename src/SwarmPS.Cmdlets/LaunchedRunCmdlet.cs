using System.Management.Automation;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the cmdlets that act on what a launch started on this machine (Get-SwarmAgent, Stop-SwarmSite):
/// the run, the sites of it to look at, and the exchange to ask about (or tell about) its mailboxes.
/// </summary>
public abstract class LaunchedRunCmdlet : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[]? Site { get; set; }

    [Parameter]
    public string? ExchangeUrl { get; set; }

    /// <summary>The run's directories on this machine, one per site (all of them, or those -Site names).</summary>
    protected IReadOnlyList<SiteRunLayout> SiteLayouts() => RunLocator.Find(SiteCatalog.Default, RunId, Site);

    /// <summary>
    /// A client of the exchange the site's launch used (-ExchangeUrl, else the one its status.json names);
    /// null without a URL or a token. The caller disposes it.
    /// </summary>
    protected IExchange? ConnectExchange(SiteRunLayout layout) =>
        LaunchExchange.TryConnect(ExchangeUrl ?? SiteStatusFile.TryRead(layout.StatusFile)?.ExchangeUrl);
}
