using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmSite: starts this site's slice of a campaign, waits for its peers, supervises it to the end.</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmSite", SupportsShouldProcess = true)]
// A remote site returns a RemoteSiteStatus (view in SwarmPS.Launch.format.ps1xml); not declared here because tests/pester/Views.Tests.ps1
// must make a sample of every declared type, and a remote sample needs the remote-user sshd (RemoteSite.Tests.ps1 covers it).
[OutputType(typeof(SiteLaunchResult), typeof(SiteStatus))]
public sealed class StartSwarmSiteCommand : CampaignRunCmdlet
{
    private const int ActivityId = 0x51E1;

    /// <summary>How long a detached launcher may take to register its agents.</summary>
    private static readonly TimeSpan DetachedReadyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a remote launcher may take to register its agents (staging and ssh round trips come before).</summary>
    private static readonly TimeSpan RemoteReadyTimeout = TimeSpan.FromSeconds(120);

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

    /// <summary>Run the slice's agents as the ranks of one batch job on the site's scheduler (rank i runs agent i).</summary>
    [Parameter]
    public SwitchParameter Allocation { get; set; }

    /// <summary>Nodes for the allocation; default the profile's allocation.nodes, else 1.</summary>
    [Parameter]
    [ValidateRange(1, 100000)]
    public int? Nodes { get; set; }

    /// <summary>The allocation's walltime: seconds (3600), with a unit (90m, 2h) or HH:MM:SS.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Walltime { get; set; }

    /// <summary>Queue or partition for the allocation; default the profile's allocation.queue, then its queue.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Queue { get; set; }

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
            Allocation = Allocation.IsPresent,
            Nodes = Nodes,
            Walltime = Walltime,
            Queue = Queue,
        }.Resolve(SiteCatalog.Default);
        if (options.Site.IsRemote)
        {
            StartRemote(options);
            return;
        }

        if (!ShouldProcess($"site {options.Site.Name}: agents {string.Join(", ", options.LocalAgentNames)} of run {options.RunId}{InAllocation(options)}", Detach ? "Start detached" : "Start"))
        {
            return;
        }

        var activity = $"Start-SwarmSite {options.Site.Name} ({options.RunId})";
        try
        {
            WriteProgress(new ProgressRecord(ActivityId, activity, "Checking agents, site and exchange"));
            if (Detach)
            {
                var launcher = DetachedLauncher();
                WriteObject(Await(writer => DetachedSiteLaunch.StartAsync(
                    options, Client, launcher, new Dictionary<string, string?>(), DetachedReadyTimeout,
                    writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))), StopToken)));
                return;
            }

            WriteObject(Await(writer =>
            {
                var landmarks = writer.Progress<string>(line =>
                {
                    WriteLandmark(line);
                    WriteProgress(new ProgressRecord(ActivityId, activity, line));
                });
                return new SiteLauncher(options, Client, landmarks).RunAsync(StopToken);
            }));
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

    /// <summary>
    /// A site reached over SSH: its launcher runs there, always detached (it must outlive this session's
    /// ssh connection); this returns once it has registered its agents, as -Detach does for a local site.
    /// </summary>
    private void StartRemote(SiteLaunchOptions options)
    {
        if (!ShouldProcess($"site {options.Site.Name} on {options.Site.LoginHost} (over SSH): agents {string.Join(", ", options.LocalAgentNames)} of run {options.RunId}{InAllocation(options)}", "Start remotely"))
        {
            return;
        }

        var activity = $"Start-SwarmSite {options.Site.Name} ({options.RunId}) on {options.Site.LoginHost}";
        try
        {
            var siteHost = Path.Combine(Path.GetDirectoryName(typeof(StartSwarmSiteCommand).Assembly.Location)!, "site-host");
            WriteObject(Await(writer => RemoteSiteLaunch.StartAsync(
                options, siteHost, RemoteReadyTimeout, writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))), StopToken)));
        }
        finally
        {
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    private static string InAllocation(SiteLaunchOptions options) =>
        options.Allocation is null ? "" : $", as the ranks of one {options.Site.Scheduler.ToString().ToLowerInvariant()} allocation";

    private Func<DetachedSiteArguments, IReadOnlyList<string>> DetachedLauncher() =>
        DetachedPwsh.SiteLauncher(ChildPwsh.In((string)SessionState.PSVariable.GetValue("PSHOME")), ModuleManifestPath.For(ChildPwsh.ModuleOf(MyInvocation.MyCommand.Module?.Path)));
}
