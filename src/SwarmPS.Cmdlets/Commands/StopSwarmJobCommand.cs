using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmJob: cancels every array of the jobs that has not ended (one scheduler command per site).</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SwarmJob))]
public sealed class StopSwarmJobCommand : SwarmCmdlet
{
    private readonly List<JobRecord> _approved = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var store = JobRecordStore.ForRepository(LedgerRunRecorder.FindRepositoryRoot(SessionState.Path.CurrentFileSystemLocation.Path) ?? SessionState.Path.CurrentFileSystemLocation.Path);
        foreach (var id in Id)
        {
            // Ask on the pipeline thread, one job at a time; cancel the approved ones together at the end.
            RunForItem(() =>
            {
                var record = store.Get(id);
                if (ShouldProcess($"job {id} on site '{record.Site}' ({record.TaskCount} tasks)", "Cancel"))
                {
                    _approved.Add(record);
                }
            });
        }
    }

    protected override void EndProcessing() => Run(() =>
    {
        var store = JobRecordStore.ForRepository(LedgerRunRecorder.FindRepositoryRoot(SessionState.Path.CurrentFileSystemLocation.Path) ?? SessionState.Path.CurrentFileSystemLocation.Path);
        foreach (var group in _approved.GroupBy(r => r.Site, StringComparer.OrdinalIgnoreCase))
        {
            var site = SiteCatalog.Default.Get(group.Key);
            var shell = SiteShell.For(site);
            var cancelled = Await(_ => new JobCanceller(shell).CancelAsync(site, group.ToList(), StopToken));
            WriteLandmark($"[site {site.Name}] cancel sent for {cancelled.Count} array job(s)");
            WriteObject(Await(_ => new JobTracker(shell, store).QueryAsync(site, group.ToList(), null, StopToken)), enumerateCollection: true);
        }
    });
}
