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
    /// The plan given, frozen on first use; else the frozen one. A frozen plan keeps its base snapshot path as
    /// the plan file wrote it; a relative one is read back against <paramref name="repositoryRoot"/>.
    /// </summary>
    public static TrainingPlan Resolve(TrainingRecord record, TrainingPlan? given, string repositoryRoot)
    {
        if (given is not null)
        {
            record.FreezePlan(TrainingPlanJson.Serialize(given), given.Digest);
            return given;
        }

        var frozen = record.ReadPlan() ?? throw new SwarmException("TrainingPlanMissing",
            $"Run {record.RunId} has no plan yet: nothing was validated under a plan in this repository.",
            "Pass -Plan (Import-SwarmTrainingPlan ./plan.yaml) the first time; later commands of the run use the plan it froze.",
            SwarmErrorCategory.ObjectNotFound, record.RunId);
        return TrainingPlanJson.Read(frozen, Path.Combine(record.Root, TrainingRecord.PlanFileName), repositoryRoot);
    }
}
