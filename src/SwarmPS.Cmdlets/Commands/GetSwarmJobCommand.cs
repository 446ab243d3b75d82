using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmJob: the state of recorded jobs, with one scheduler query per site per call.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmJob")]
[OutputType(typeof(SwarmJob), typeof(SwarmTaskStatus))]
public sealed class GetSwarmJobCommand : JobCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[]? Id { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    /// <summary>Write these tasks' states (by task index) instead of the job summaries.</summary>
    [Parameter]
    public long[]? Task { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var store = OpenJobStore();
        var records = Id is { Length: > 0 } ? Id.Select(store.Get).ToList() : store.List().ToList();
        if (Site is not null)
        {
            records = records.Where(r => string.Equals(r.Site, Site, StringComparison.OrdinalIgnoreCase)).ToList();
        }

        // Tasks the query finds running or ended move their runs in the run store (and ended ones to the ledger).
        WithRecorder(warnWhenNotRecording: false, recorder =>
        {
            foreach (var group in records.GroupBy(r => r.Site, StringComparer.OrdinalIgnoreCase))
            {
                var site = SiteCatalog.Default.Get(group.Key);
                var tracker = new JobTracker(SiteShell.For(site), store, sink: recorder);
                var jobs = Await(_ => tracker.QueryAsync(site, group.ToList(), Task, StopToken));
                foreach (var job in jobs)
                {
                    if (Task is null)
                    {
                        WriteObject(job);
                    }
                    else
                    {
                        WriteObject(job.Tasks, enumerateCollection: true);
                    }
                }
            }
        });
    });
}
