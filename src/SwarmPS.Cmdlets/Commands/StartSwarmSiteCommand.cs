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

        var activity = $"Start-SwarmSite {options.Site.Name} ({options.RunId})";
        try
        {
            WriteProgress(new ProgressRecord(ActivityId, activity, "Checking agents, site and exchange"));
            using var exchange = new Engine.Exchange.HttpExchangeClient(options.Exchange);
            if (Detach)
            {
                WriteObject(Await(writer => StartDetachedAsync(options, agents, exchange, writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))))));
                return;
            }

            var result = Await(writer =>
            {
                var landmarks = writer.Progress<string>(line =>
                {
                    WriteLandmark(line);
                    WriteProgress(new ProgressRecord(ActivityId, activity, line));
                });
                return new SiteLauncher(options, exchange, landmarks).RunAsync(StopToken);
            });
            WriteObject(result);
        }
        finally
        {
            // Also after a failure; a stopped pipeline takes no more records (its host clears the bar).
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    });

    private Task<SiteStatus> StartDetachedAsync(SiteLaunchOptions options, IReadOnlyList<string> agents, Engine.Exchange.IExchange exchange, IProgress<string> waiting)
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

        // $PSHOME/pwsh, not this process's path: under the dotnet-tool pwsh that is dotnet itself.
        var pwsh = DetachedSiteLaunch.PwshIn((string)SessionState.PSVariable.GetValue("PSHOME"));
        var command = DetachedSiteLaunch.PwshCommand(
            pwsh, Engine.ModuleManifestPath.For(MyInvocation.MyCommand.Module.Path), options.Campaign.Source, agents, options.RunId,
            options.Site.Name, options.Exchange.Url.ToString(), options.Bootstrap, options.StartupTimeout);
        return DetachedSiteLaunch.StartAsync(options, exchange, command, new Dictionary<string, string?>(), TimeSpan.FromSeconds(60), waiting, StopToken);
    }
}
