using SwarmPS.Engine.Tests.Training;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.LiveTraining;

/// <summary>
/// The training plan the live-training tests run: the plan tests' sound plan (contributors c1 on alpha and c2
/// on beta, coordinator on alpha, default timing: stale after 5 s, lost after 7.5 s) read from a real file.
/// </summary>
internal static class LivePlans
{
    public static TrainingPlan Sound()
    {
        var directory = Directory.CreateTempSubdirectory("swarmps-live-plan-").FullName;
        try
        {
            var path = Path.Combine(directory, "plan.yaml");
            File.WriteAllText(path, PlanFiles.Sound);
            return TrainingPlanReader.Load(path);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
