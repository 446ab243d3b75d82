using System.Management.Automation;
using SwarmPS.Engine.Dashboard;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmDashboard: one run over all its sites (remote ones mirrored over SSH), live in a browser on 127.0.0.1; detached (default) or in this session (-Foreground).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmDashboard", SupportsShouldProcess = true)]
[OutputType(typeof(DashboardInfo))]
public sealed class StartSwarmDashboardCommand : SwarmCmdlet
{
    private const int StartActivityId = 0xDA5;

    // Every mirror's first poll is one ssh connection and round trip; a login node slow to answer gets time.
    private static readonly TimeSpan DetachedReadyTimeout = TimeSpan.FromSeconds(120);

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    /// <summary>Sites of the catalog: local ones are read in place, remote ones (ssh:) mirrored. None: every site here that has the run.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Site { get; set; } = Array.Empty<string>();

    /// <summary>Run directories (or site directories) read in place, as Get-SwarmEvent -Path takes them.</summary>
    [Parameter]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; } = DashboardOptions.DefaultPort;

    [Parameter]
    public string? MirrorRoot { get; set; }

    [Parameter]
    public SwitchParameter NoBrowser { get; set; }

    /// <summary>Serve in this session until Ctrl+C instead of a detached process.</summary>
    [Parameter]
    public SwitchParameter Foreground { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var options = new DashboardOptions
        {
            RunId = RunId,
            Sites = Site,
            Paths = Path.Select(path => GetUnresolvedProviderPathFromPSPath(path)).ToList(),
            Port = Port,
            MirrorRoot = MirrorRoot is null ? DashboardOptions.DefaultMirrorRoot() : GetUnresolvedProviderPathFromPSPath(MirrorRoot),
        };
        // The sources are checked here, before anything starts, so a bad -Site or -Path fails with its own id.
        DashboardSources.Resolve(SiteCatalog.Default, options);
        if (!ShouldProcess($"run {RunId} on 127.0.0.1:{Port}", "Start dashboard"))
        {
            return;
        }

        var activity = $"Starting the dashboard of run {RunId}";
        if (Foreground)
        {
            Await(writer => DashboardHost.RunAsync(
                SiteCatalog.Default,
                options,
                record => writer.Post(() => Ready(record)),
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(StartActivityId, activity, step))),
                StopToken).ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
            return;
        }

        var pwsh = ChildPwsh.In((string)SessionState.PSVariable.GetValue("PSHOME"));
        var manifest = ModuleManifestPath.For(ChildPwsh.ModuleOf(MyInvocation.MyCommand.Module?.Path));
        DashboardRecord record;
        try
        {
            record = Await(writer => DashboardLaunch.StartAsync(
                options,
                DetachedPwsh.StartDashboard(pwsh, manifest, options.RunId, options.Sites, options.Paths, options.Port, options.MirrorRoot),
                DetachedReadyTimeout,
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(StartActivityId, activity, step))),
                StopToken));
        }
        finally
        {
            // A stopped pipeline takes no more writes; its host clears the progress itself.
            if (!StopToken.IsCancellationRequested)
            {
                WriteProgress(new ProgressRecord(StartActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        Ready(record);
    });

    /// <summary>Says where it is (and which port it took), opens the browser unless told not to, and writes the dashboard.</summary>
    private void Ready(DashboardRecord record)
    {
        var info = DashboardInfo.From(record);
        if (record.RequestedPort != 0 && record.Port != record.RequestedPort)
        {
            WriteWarning($"Port {record.RequestedPort} is in use on 127.0.0.1: the dashboard took port {record.Port}.");
        }

        foreach (var site in info.Sites.Where(site => site.Problem is not null && !site.Up))
        {
            WriteWarning($"Site '{site.Name}' is {site.State}: {site.Problem}");
        }

        var opened = !NoBrowser && DashboardBrowser.TryOpen(info.Url);
        WriteLandmark(opened
            ? $"[dashboard] run {record.RunId} opened in your browser (pid {record.Pid}); Stop-SwarmDashboard -RunId {record.RunId} ends it"
            : $"[dashboard] run {record.RunId} at {record.Url} (pid {record.Pid}); the Url property has the token. From another machine: ssh -L {record.Port}:127.0.0.1:{record.Port} {Environment.MachineName}");
        WriteObject(info);
    }
}
