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

    /// <summary>The held-out data file: the coordinator evaluates the merged adapter on it here, on the module's dotnet.cpu trainer.</summary>
    [Parameter]
    public string? HeldOutPath { get; set; }

    protected override void ProcessRecord() => Run(() => RunForItem(() =>
    {
        var destination = ResolvePath(Destination);
        if (!ShouldProcess(destination, "Publish the merged adapter if the plan's gates hold"))
        {
            return;
        }

        var request = new SnapshotRequest
        {
            RepositoryRoot = ResolveRepository().Root,
            RunId = RunId,
            Plan = Plan,
            Aggregation = Aggregation!,
            EvaluationPath = EvaluationPath is null ? null : ResolvePath(EvaluationPath),
            HeldOutPath = HeldOutPath is null ? null : ResolvePath(HeldOutPath),
            Trainer = HeldOutPath is null ? null : ModuleTrainer.DotnetCpu(),
            Destination = destination,
        };
        var outcome = Await(_ => SnapshotPublication.PublishAsync(request, StopToken));
        foreach (var note in outcome.Notes)
        {
            WriteWarning(note);
        }

        WriteObject(outcome.Receipt);
    }));
}
