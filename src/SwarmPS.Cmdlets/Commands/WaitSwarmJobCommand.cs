using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Wait-SwarmJob: polls until the jobs end, showing one progress bar (activity 5100) with a child bar per
/// wave, all closed with Completed records (<see cref="JobProgressBars"/>); warns with each failed task's stderr.log. Ctrl+C stops the
/// wait at once, not the jobs: their tasks keep running, as a scheduler's would (Stop-SwarmJob cancels them).
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "SwarmJob")]
[OutputType(typeof(SwarmJob))]
public sealed class WaitSwarmJobCommand : JobCmdlet
{
    private const int ActivityId = 5100;
    private readonly List<string> _ids = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Seconds between polls: default 30, never below 5.</summary>
    [Parameter]
    [ValidateRange(5, 86400)]
    public int PollInterval { get; set; } = 30;

    [Parameter]
    public TimeSpan Timeout { get; set; }

    protected override void ProcessRecord() => Run(() => _ids.AddRange(Id));

    protected override void EndProcessing() => Run(() =>
    {
        var store = OpenJobStore();
        var bars = new JobProgressBars(WriteProgress, ActivityId, "Wait-SwarmJob");
        var timeout = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeout : (TimeSpan?)null;
        WithRecorder(warnWhenNotRecording: false, recorder =>
        {
            try
            {
                foreach (var group in _ids.Distinct().Select(store.Get).GroupBy(r => r.Site, StringComparer.OrdinalIgnoreCase))
                {
                    var site = SiteCatalog.Default.Get(group.Key);
                    // Each poll moves the runs of the tasks it sees running or ended (ended ones reach the ledger).
                    var waiter = new JobWaiter(new JobTracker(SiteShell.For(site), store, sink: recorder));
                    var jobs = Await(writer => waiter.WaitAsync(site, group.ToList(), TimeSpan.FromSeconds(PollInterval), timeout,
                        writer.Progress<IReadOnlyList<SwarmJob>>(bars.Show), StopToken));
                    bars.Complete();
                    foreach (var note in jobs.Select(j => j.FailureNote()).OfType<string>())
                    {
                        WriteWarning(note);
                    }

                    WriteObject(jobs, enumerateCollection: true);
                }
            }
            finally
            {
                // After Ctrl+C the pipeline takes no more records; the host clears the bars itself.
                if (!StopToken.IsCancellationRequested)
                {
                    bars.Complete();
                }
            }
        });
    });
}
