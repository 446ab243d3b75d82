using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmTrainingPlan: checks what a training plan refers to on this machine and returns the findings.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmTrainingPlan", DefaultParameterSetName = PlanSet)]
[OutputType(typeof(TrainingPlanFinding), typeof(TrainingPlan))]
public sealed class TestSwarmTrainingPlanCommand : SwarmCmdlet
{
    private const string PathSet = "Path";
    private const string PlanSet = "Plan";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PlanSet)]
    [Alias("InputObject")]
    public TrainingPlan? Plan { get; set; }

    /// <summary>Where shard ids resolve: shard-0 is &lt;DataDirectory&gt;/shard-0.txt. Default: the plan file's folder (the current location for -Plan).</summary>
    [Parameter]
    public string? DataDirectory { get; set; }

    /// <summary>Also write the plan, after its findings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        if (ParameterSetName == PlanSet)
        {
            RunForItem(() => Check(Plan!, DataDirectory ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath));
            return;
        }

        foreach (var path in Path)
        {
            // A plan that cannot be read at all is the reader's error, as Import-SwarmTrainingPlan gives it.
            RunForItem(() =>
            {
                var file = GetUnresolvedProviderPathFromPSPath(path);
                Check(TrainingPlanReader.Load(file), DataDirectory ?? System.IO.Path.GetDirectoryName(file)!);
            });
        }
    });

    private void Check(TrainingPlan plan, string dataDirectory)
    {
        var options = new TrainingPlanCheckOptions
        {
            DataDirectory = DataDirectory is null ? dataDirectory : GetUnresolvedProviderPathFromPSPath(dataDirectory),
            // The trainer ships beside the cmdlets, as bin/site-host does: bin/trainer/SwarmPS.Trainer.dll.
            TrainerDirectory = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(TestSwarmTrainingPlanCommand).Assembly.Location)!, "trainer"),
        };
        WriteObject(Await(_ => TrainingPlanCheck.CheckAsync(plan, options, StopToken)), enumerateCollection: true);
        if (PassThru)
        {
            WriteObject(plan);
        }
    }
}
