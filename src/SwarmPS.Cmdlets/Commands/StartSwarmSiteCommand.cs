using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmSite: starts this site's slice of a campaign, waits for its peers, supervises it to the end.</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmSite", SupportsShouldProcess = true)]
[OutputType(typeof(SiteLaunchResult), typeof(SiteStatus))]
public sealed class StartSwarmSiteCommand : SwarmCmdlet
{
    private const int ActivityId = 0x51E1;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Campaign Campaign { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    [Parameter]
    public string[]? Agent { get; set; }

    /// <summary>Seconds to wait for every peer to be live; default the campaign's startup_timeout (600).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int? StartupTimeout { get; set; }

    [Parameter]
    public SwitchParameter Bootstrap { get; set; }

    [Parameter]
    public SwitchParameter Detach { get; set; }

    [Parameter]
    public string? ExchangeUrl { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var options = new SiteLaunchRequest
        {
            Campaign = Campaign,
            RunId = RunId,
            Site = Site,
            Agents = Agent,
            ExchangeUrl = ExchangeUrl,
            StartupTimeout = StartupTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Bootstrap = Bootstrap.IsPresent,
            WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.Path,
        }.Resolve(SiteCatalog.Default);
        var agents = options.Campaign.Agents.Where(a => a.Site == options.Site.Name).Select(a => a.Name).ToList();
        if (!ShouldProcess($"site {options.Site.Name}: agents {string.Join(", ", agents)} of run {options.RunId}", Detach ? "Start detached" : "Start"))
        {
            return;
        }

        if (Detach)
        {
            WriteObject(Await(_ => StartDetachedAsync(options, agents)));
            return;
        }

        using var exchange = new Engine.Exchange.HttpExchangeClient(options.Exchange);
        var result = Await(writer =>
        {
            var landmarks = writer.Progress<string>(line =>
            {
                WriteLandmark(line);
                WriteProgress(new ProgressRecord(ActivityId, $"Start-SwarmSite {options.Site.Name} ({options.RunId})", line));
            });
            return new SiteLauncher(options, exchange, landmarks).RunAsync(StopToken);
        });
        WriteProgress(new ProgressRecord(ActivityId, $"Start-SwarmSite {options.Site.Name} ({options.RunId})", "Finished") { RecordType = ProgressRecordType.Completed });
        WriteObject(result);
    });

    private Task<SiteStatus> StartDetachedAsync(SiteLaunchOptions options, IReadOnlyList<string> agents)
    {
        if (string.IsNullOrEmpty(options.Campaign.Source))
        {
            throw new Engine.SwarmException(
                "CampaignNotFromFile",
                "A detached site re-reads its campaign from a file, and this campaign was not loaded from one.",
                "Save the campaign to a file and load it with Import-SwarmCampaign, or start the site without -Detach.",
                Engine.SwarmErrorCategory.InvalidArgument,
                options.Campaign.Name);
        }

        var command = DetachedSiteLaunch.PwshCommand(
            Environment.ProcessPath ?? "pwsh", Engine.ModuleManifestPath.For(MyInvocation.MyCommand.Module.Path), options.Campaign.Source, agents, options.RunId,
            options.Site.Name, options.Exchange.Url.ToString(), options.Bootstrap, options.StartupTimeout);
        var layout = new SiteRunLayout(options.Site.RunRoot, options.RunId, options.Site.Name);
        return DetachedSiteLaunch.StartAsync(command, new Dictionary<string, string?>(), options.WorkingDirectory, layout, TimeSpan.FromSeconds(60), StopToken);
    }
}
