using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Import-SwarmTrainingPlan: reads training plan files (YAML or JSON) into plans, each with its digest.</summary>
[Cmdlet(VerbsData.Import, "SwarmTrainingPlan")]
[OutputType(typeof(TrainingPlan))]
public sealed class ImportSwarmTrainingPlanCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var path in Path)
        {
            // Relative paths follow the PowerShell location (Set-Location), not the process directory; the
            // plan's own base snapshot path is then relative to the plan file, wherever that is.
            RunForItem(() => WriteObject(TrainingPlanReader.Load(GetUnresolvedProviderPathFromPSPath(path))));
        }
    });
}
