using System.Collections;
using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>New-SwarmTrainingPlan: writes a training plan file (the base digest computed from the file) and returns the plan read back.</summary>
[Cmdlet(VerbsCommon.New, "SwarmTrainingPlan", SupportsShouldProcess = true)]
[OutputType(typeof(TrainingPlan))]
public sealed class NewSwarmTrainingPlanCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string Namespace { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string CoordinatorSite { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string BaseSnapshot { get; set; } = "";

    [Parameter(Mandatory = true)]
    public Hashtable[] Contributor { get; set; } = Array.Empty<Hashtable>();

    [Parameter]
    public string[]? TargetModule { get; set; }

    [Parameter]
    public int? Rank { get; set; }

    [Parameter]
    public double? Alpha { get; set; }

    [Parameter]
    public int? Steps { get; set; }

    [Parameter]
    public long? Seed { get; set; }

    [Parameter]
    public double? LearningRate { get; set; }

    [Parameter]
    public string? AdmissionTokenVariable { get; set; }

    [Parameter]
    public double? ReplaySample { get; set; }

    [Parameter]
    public double? ReplayTolerance { get; set; }

    [Parameter]
    public double? MaxUpdateNorm { get; set; }

    [Parameter]
    public int? MinAccepted { get; set; }

    [Parameter]
    public int? MinReplayChecked { get; set; }

    [Parameter]
    public double? MinLossImprovement { get; set; }

    /// <summary>Replace an existing plan file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing() => Run(() =>
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        var contributors = Contributor.Select((entry, index) => PlanContributorEntry.From(Keyed(entry), index)).ToList();
        var draft = new TrainingPlanDraft
        {
            Namespace = Namespace,
            CoordinatorSite = CoordinatorSite,
            BaseSnapshotPath = GetUnresolvedProviderPathFromPSPath(BaseSnapshot),
            Contributors = contributors,
        };
        draft = draft with
        {
            TargetModules = TargetModule ?? draft.TargetModules,
            Rank = Rank ?? draft.Rank,
            Alpha = Alpha ?? draft.Alpha,
            Steps = Steps ?? draft.Steps,
            Seed = Seed ?? draft.Seed,
            LearningRate = LearningRate ?? draft.LearningRate,
            AdmissionTokenVariable = AdmissionTokenVariable ?? draft.AdmissionTokenVariable,
            ReplaySample = ReplaySample ?? draft.ReplaySample,
            ReplayTolerance = ReplayTolerance ?? draft.ReplayTolerance,
            MaxUpdateNorm = MaxUpdateNorm ?? draft.MaxUpdateNorm,
            MinimumAccepted = MinAccepted ?? draft.MinimumAccepted,
            MinimumReplayChecked = MinReplayChecked ?? draft.MinimumReplayChecked,
            MinimumLossImprovement = MinLossImprovement ?? draft.MinimumLossImprovement,
        };
        if (ShouldProcess(path, Force ? "Write training plan (replacing an existing file)" : "Write training plan"))
        {
            WriteObject(TrainingPlanWriter.Write(path, draft, Force));
        }
    });

    // PowerShell's hashtable keys are objects and its values may be wrapped; the engine takes plain names and values.
    private static Dictionary<string, object?> Keyed(Hashtable entry) =>
        entry.Keys.Cast<object>().ToDictionary(
            key => PowerShellValues.Unwrap(key)?.ToString() ?? "",
            key => PowerShellValues.Unwrap(entry[key]),
            StringComparer.OrdinalIgnoreCase);
}
