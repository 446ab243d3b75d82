using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Invoke-SwarmAggregation: checks that a finished job's results are complete and its own, runs a reducer
/// over them on the site, and brings the combined summary home. An incomplete job is returned as a finding
/// (with a non-terminating AggregationIncomplete error), and its reducer does not run.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SwarmAggregation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(AggregationResult))]
public sealed class InvokeSwarmAggregationCommand : JobCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Job")]
    [ArgumentCompleter(typeof(JobIdCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>The program and its arguments, run on the site in the job's aggregate/ folder.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string[] Reducer { get; set; } = Array.Empty<string>();

    /// <summary>Where the summary comes home; default .swarm/aggregates/&lt;key&gt;/summary. One job only.</summary>
    [Parameter]
    public string? Destination { get; set; }

    /// <summary>How long the reducer may run (default one hour).</summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Check completeness only: report the finding, run no reducer.</summary>
    [Parameter]
    public SwitchParameter CheckOnly { get; set; }

    /// <summary>Each job on its own: one that cannot be aggregated is an error for it, not for the jobs after it.</summary>
    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var id in Id)
        {
            RunForItem(() => Aggregate(id));
        }
    });

    private void Aggregate(string id)
    {
        var store = OpenJobStore();
        var record = store.Get(id);
        if (Destination is not null && Id.Length > 1)
        {
            throw new SwarmException(
                "AggregationDestinationAmbiguous",
                $"-Destination names one file, but {Id.Length} jobs were given.",
                "Aggregate one job per -Destination, or leave -Destination out: each job's summary then goes to .swarm/aggregates/<key>/summary.",
                SwarmErrorCategory.InvalidArgument,
                Destination);
        }

        var site = SiteCatalog.Default.Get(record.Site);
        var destination = Destination is null ? ResultAggregator.DefaultDestination(store, record.Key) : ResolvePath(Destination);
        var action = CheckOnly ? "Check the results" : $"Run '{string.Join(' ', Reducer)}' over the results and bring the summary to {destination}";
        if (!CheckOnly && !ShouldProcess($"job {record.Key} on site '{record.Site}' ({record.TaskCount} tasks)", action))
        {
            return;
        }

        WithRecorder(warnWhenNotRecording: false, recorder =>
        {
            var aggregator = new ResultAggregator(SiteShell.For(site), store, recorder);
            var result = CheckOnly
                ? Await(_ => aggregator.CheckAsync(site, record, StopToken))
                : Await(writer => aggregator.RunAsync(site, record, Reducer, destination, Timeout, writer.Progress<string>(WriteVerbose), StopToken));
            WriteObject(result);
            if (!result.Complete)
            {
                WriteError(ToErrorRecord(new SwarmException(
                    "AggregationIncomplete",
                    $"Job {record.Key} on '{record.Site}' is not complete, so nothing was combined: {result.Finding}.",
                    $"Resubmit what is missing (Submit-SwarmJob -Resume, or Watch-SwarmJob), remove what is foreign from {record.JobRoot}/results, then aggregate again.",
                    SwarmErrorCategory.InvalidData,
                    record.Key)));
            }
        });
    }
}
