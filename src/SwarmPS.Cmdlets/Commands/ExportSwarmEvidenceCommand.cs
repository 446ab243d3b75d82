using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Export-SwarmEvidence: writes a training run's evidence bundle (plan, manifests, verdicts, receipts, published snapshots, index.json) from its record.</summary>
[Cmdlet(VerbsData.Export, "SwarmEvidence", SupportsShouldProcess = true)]
[OutputType(typeof(EvidenceExportResult))]
public sealed class ExportSwarmEvidenceCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1)]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var repository = ResolveRepository();
        var destination = ResolvePath(Path);
        if (!ShouldProcess(destination, $"Export the evidence bundle of training run {RunId}"))
        {
            return;
        }

        var result = Await(_ => Task.Run(() => EvidenceExport.Export(repository.Root, RunId, destination, Force), StopToken));
        foreach (var problem in result.Problems)
        {
            WriteError(ToErrorRecord(EvidenceExport.ProblemError(result, problem)));
        }

        WriteObject(result);
    });
}
