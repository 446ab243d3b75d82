using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmJob: cancels every array of the jobs that has not ended (one scheduler command per site); the jobs read Cancelled and their cancelled tasks become stopped runs.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(SwarmJob))]
public sealed class StopSwarmJobCommand : JobCmdlet
{
    private readonly List<JobRecord> _approved = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        var store = OpenJobStore();
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
    });

    protected override void EndProcessing() => Run(() =>
    {
        if (_approved.Count == 0)
        {
            // -WhatIf, or every job declined: touch neither the scheduler nor the run store.
            return;
        }

        var store = OpenJobStore();
        // The poll after the cancel turns the cancelled tasks' runs into stopped ones (and promotes them).
        WithRecorder(warnWhenNotRecording: false, recorder =>
        {
            foreach (var group in _approved.GroupBy(r => r.Site, StringComparer.OrdinalIgnoreCase))
            {
                var site = SiteCatalog.Default.Get(group.Key);
                var shell = SiteShell.For(site);
                var stopper = new JobStopper(shell, store, new JobTracker(shell, store, sink: recorder));
                var result = Await(_ => stopper.StopAsync(site, group.ToList(), StopToken));
                WriteLandmark($"[site {site.Name}] cancel sent for {result.CancelledJobIds.Count} array job(s)");
                WriteObject(result.Jobs, enumerateCollection: true);
            }
        });
    });
}
