using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Watch-SwarmJob: Wait-SwarmJob that also mends. It polls the submitted plans' jobs (one query per site per
/// poll), classifies each failed task from its scheduler's own data, resubmits what more walltime, more
/// memory or simply another node can fix (up to -MaxAttempts), and reports every decision as a
/// WatchDecision on the information stream (tags SwarmPS, WatchDecision). Returns the final jobs. It takes
/// the plans, not job ids: a resubmission needs the task set and options, which only the plan holds.
/// Ctrl+C stops the watch, never the jobs.
/// </summary>
[Cmdlet(VerbsCommon.Watch, "SwarmJob")]
[OutputType(typeof(SwarmJob))]
public sealed class WatchSwarmJobCommand : JobCmdlet
{
    private const int ActivityId = 5200;
    private readonly List<JobPlan> _plans = new();

    /// <summary>The plans as given to Submit-SwarmJob (New-SwarmJobPlan's output), already submitted.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public JobPlan[] Plan { get; set; } = Array.Empty<JobPlan>();

    /// <summary>The most attempts a task may have, its first included: default 3.</summary>
    [Parameter]
    [ValidateRange(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Seconds between polls: default 30, never below 5.</summary>
    [Parameter]
    [Alias("Interval")]
    [ValidateRange(5, 86400)]
    public int PollInterval { get; set; } = 30;

    [Parameter]
    public TimeSpan Timeout { get; set; }

    protected override void ProcessRecord() => Run(() => _plans.AddRange(Plan));

    protected override void EndProcessing() => Run(() =>
    {
        var store = OpenJobStore();
        var timeout = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeout : (TimeSpan?)null;
        var bars = new JobProgressBars(WriteProgress, ActivityId, "Watch-SwarmJob");
        WithRecorder(warnWhenNotRecording: false, recorder =>
        {
            try
            {
                foreach (var group in _plans.DistinctBy(p => p.Key).GroupBy(p => p.SiteName, StringComparer.OrdinalIgnoreCase))
                {
                    var site = group.First().Site;
                    var shell = SiteShell.For(site);
                    var tracker = new JobTracker(shell, store, sink: recorder);
                    var watcher = new JobWatcher(tracker, new JobSubmitter(shell, store, tracker, recorder));
                    var jobs = group.Select(plan => (plan, store.Get(plan.Key))).ToList();
                    var ended = Await(writer => watcher.WatchAsync(site, jobs, MaxAttempts, TimeSpan.FromSeconds(PollInterval), timeout,
                        writer.Progress<WatchDecision>(decision => WriteInformation(decision, new[] { "SwarmPS", "WatchDecision" })),
                        writer.Progress<IReadOnlyList<SwarmJob>>(bars.Show), StopToken));
                    bars.Complete();
                    foreach (var note in ended.Select(j => j.FailureNote()).OfType<string>())
                    {
                        WriteWarning(note);
                    }

                    WriteObject(ended, enumerateCollection: true);
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
