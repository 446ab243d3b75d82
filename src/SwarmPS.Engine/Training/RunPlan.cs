namespace SwarmPS.Engine.Training;

/// <summary>
/// The plan a training run is held to. The first command of a run that is given a plan freezes it in the
/// run's record; later commands may leave the plan out and get the frozen one, or give it again (the same
/// digest); another plan for the same run is refused (<c>TrainingPlanDrift</c>), because verdicts and
/// receipts already written were judged under the first.
/// </summary>
public static class RunPlan
{
    /// <summary>
    /// The plan given, frozen on first use; else the frozen one, with the base snapshot path it resolved to when
    /// it was frozen (a record from before that falls back to reading a relative path against <paramref name="repositoryRoot"/>).
    /// </summary>
    public static TrainingPlan Resolve(TrainingRecord record, TrainingPlan? given, string repositoryRoot)
    {
        if (given is not null)
        {
            record.FreezePlan(TrainingPlanJson.Serialize(given), given.Digest);
            record.SaveBaseSnapshotPath(given.BaseSnapshotPath);
            return given;
        }

        var frozen = record.ReadPlan() ?? throw new SwarmException("TrainingPlanMissing",
            $"Run {record.RunId} has no plan yet: nothing was validated under a plan in this repository.",
            "Pass -Plan (Import-SwarmTrainingPlan ./plan.yaml) the first time; later commands of the run use the plan it froze.",
            SwarmErrorCategory.ObjectNotFound, record.RunId);
        var plan = TrainingPlanJson.Read(frozen, Path.Combine(record.Root, TrainingRecord.PlanFileName), repositoryRoot);
        return record.ReadBaseSnapshotPath() is { } resolved ? plan with { BaseSnapshotPath = resolved } : plan;
    }
}
