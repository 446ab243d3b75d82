using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Publish-SwarmSnapshot: publishes a merged adapter as a local snapshot in the Hugging Face PEFT layout
/// when the run's plan's gates hold, else returns Refused (or Held) with every reason and writes nothing.
/// </summary>
[Cmdlet(VerbsData.Publish, "SwarmSnapshot", SupportsShouldProcess = true)]
[OutputType(typeof(PublicationReceipt))]
public sealed class PublishSwarmSnapshotCommand : RepositoryCmdlet
{
    /// <summary>The receipt of Merge-SwarmContribution.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public AdapterMergeReceipt? Aggregation { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    public string Destination { get; set; } = "";

    /// <summary>The run, for a merge of files named by path; a merge of verdicts names its run.</summary>
    [Parameter]
    public string? RunId { get; set; }

    [Parameter]
    public TrainingPlan? Plan { get; set; }

    /// <summary>An evaluation.json written by a trainer's evaluate mode for the merged adapter.</summary>
    [Parameter]
    public string? EvaluationPath { get; set; }

    protected override void ProcessRecord() => Run(() => RunForItem(() =>
    {
        var destination = ResolvePath(Destination);
        if (!ShouldProcess(destination, "Publish the merged adapter if the plan's gates hold"))
        {
            return;
        }

        var outcome = SnapshotPublication.Publish(new SnapshotRequest
        {
            RepositoryRoot = ResolveRepository().Root,
            RunId = RunId,
            Plan = Plan,
            Aggregation = Aggregation!,
            EvaluationPath = EvaluationPath is null ? null : ResolvePath(EvaluationPath),
            Destination = destination,
        });
        foreach (var note in outcome.Notes)
        {
            WriteWarning(note);
        }

        WriteObject(outcome.Receipt);
    }));
}
