using System.Management.Automation;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmAgentManager: this user's agent manager for one site and namespace, taking control commands from the exchange; in this session until Ctrl+C, or detached (-Detach).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmAgentManager", SupportsShouldProcess = true)]
[OutputType(typeof(AgentManagerInfo))]
public sealed class StartSwarmAgentManagerCommand : ControlCmdlet
{
    private const int ActivityId = 0xC0C;

    /// <summary>The site it serves; default SWARM_SITE, else the catalog's only site.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    /// <summary>Start it in a process of its own that outlives this session, and return once it takes commands.</summary>
    [Parameter]
    public SwitchParameter Detach { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var identity = ManagerIdentity.For(ResolvedNamespace, null, ManagerSite.Resolve(Site, SiteCatalog.Default));
        // Checked here, before anything detaches, so a missing token or a manager already running fails with its own id at once.
        var token = Token();
        if (ManagerRecord.TryRead(identity.RecordFile) is { IsAliveHere: true } running)
        {
            throw ManagerErrors.AlreadyRunning(identity, running);
        }

        if (!ShouldProcess($"{identity} on {Environment.MachineName}", Detach ? "Start detached" : "Start"))
        {
            return;
        }

        var workingDirectory = SessionState.Path.CurrentFileSystemLocation.Path;
        if (Detach)
        {
            var pwsh = ChildPwsh.In((string)SessionState.PSVariable.GetValue("PSHOME"));
            var manifest = ModuleManifestPath.For(ChildPwsh.ModuleOf(MyInvocation.MyCommand.Module?.Path));
            var activity = $"Starting the {identity}";
            var record = Await(writer => ManagerLaunch.StartAsync(
                identity,
                DetachedPwsh.StartAgentManager(pwsh, manifest, identity.Site, identity.Namespace, ExchangeUrl),
                workingDirectory,
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))),
                StopToken));
            if (!StopToken.IsCancellationRequested)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }

            WriteLandmark($"[manager] {identity} runs detached as pid {record.Pid}; Stop-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace} ends it");
            WriteObject(Info(identity, record));
            return;
        }

        var options = new ManagerOptions
        {
            Identity = identity,
            Exchange = Connection(),
            Token = token,
            WorkingDirectory = workingDirectory,
            SiteLauncher = DetachedSiteLauncher(),
        };
        Await(writer => new AgentManager(options).RunAsync(
            record => writer.Post(() =>
            {
                WriteLandmark($"[manager] {identity} takes commands (pid {record.Pid}); Ctrl+C stops it, the slices it started keep running");
                WriteObject(Info(identity, record));
            }),
            StopToken).ContinueWith(task => { task.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
    });

    private static AgentManagerInfo Info(ManagerIdentity identity, ManagerRecord record) =>
        AgentManagerInfo.From(identity, null, record, DateTimeOffset.UtcNow) with { State = ManagerState.Running, LastHeartbeat = record.HeartbeatAt };

    private Func<Engine.Launch.DetachedSiteArguments, IReadOnlyList<string>> DetachedSiteLauncher() =>
        DetachedPwsh.SiteLauncher(ChildPwsh.In((string)SessionState.PSVariable.GetValue("PSHOME")), ModuleManifestPath.For(ChildPwsh.ModuleOf(MyInvocation.MyCommand.Module?.Path)));
}
