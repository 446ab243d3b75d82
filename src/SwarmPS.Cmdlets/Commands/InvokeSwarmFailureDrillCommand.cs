using System.Management.Automation;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Invoke-SwarmFailureDrill: runs a live training run of the plan on this machine's sites with one failure
/// planted in one contributor, and returns the report of the posture expected and observed.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SwarmFailureDrill", SupportsShouldProcess = true)]
[OutputType(typeof(DrillReport))]
public sealed class InvokeSwarmFailureDrillCommand : TrainingLaunchCmdlet
{
    private const int ActivityId = 0x7A12;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet(FailureDrills.StaleWorker, FailureDrills.UploadDisagreement, FailureDrills.ContributorLoss, FailureDrills.UnevenSpeed)]
    public string Drill { get; set; } = "";

    /// <summary>The contributor the failure is planted in; default the plan's last.</summary>
    [Parameter]
    public string? Contributor { get; set; }

    /// <summary>The drill's run id; default drill-&lt;drill&gt;-&lt;8 hex&gt;.</summary>
    [Parameter]
    public string? RunId { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var runId = RunId ?? $"drill-{Drill.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
        var request = Request(runId, site: null);
        if (!ShouldProcess($"every site of plan {Plan!.Digest}, as run {runId}", $"Run the {Drill} drill"))
        {
            return;
        }

        var activity = $"Invoke-SwarmFailureDrill {Drill} ({runId})";
        try
        {
            WriteObject(Await(writer => FailureDrillRun.RunAsync(request, Drill, Contributor, SiteCatalog.Default, Client,
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
