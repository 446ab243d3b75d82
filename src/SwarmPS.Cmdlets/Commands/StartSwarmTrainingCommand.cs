using System.Management.Automation;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Start-SwarmTraining: starts this site's roles of a training plan (the coordinator, its contributors, or
/// both) as a detached site of the campaign derived from the plan, and returns once they are registered.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmTraining", SupportsShouldProcess = true)]
[OutputType(typeof(SiteStatus))]
public sealed class StartSwarmTrainingCommand : TrainingLaunchCmdlet
{
    private const int ActivityId = 0x7A11;

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    /// <summary>This site: one of the plan's sites; may be left out when the plan has roles on one site only.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var request = Request(RunId, Site);
        if (!ShouldProcess($"site {Site ?? "(the plan's only site)"}: the roles of plan {Plan!.Digest} for run {RunId}", "Start training"))
        {
            return;
        }

        var activity = $"Start-SwarmTraining {RunId}";
        try
        {
            WriteObject(Await(writer => TrainingSiteLaunch.StartAsync(request, SiteCatalog.Default, Client,
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))), StopToken)));
        }
        finally
        {
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    });
}
