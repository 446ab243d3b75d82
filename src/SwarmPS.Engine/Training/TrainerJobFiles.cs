using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The job files of docs/trainer-contract.md, built from a plan: one spelling of every field for the
/// coordinator's replays and evaluations (<see cref="CoordinatorTrainer"/>) and a live run's contributors.
/// </summary>
public static class TrainerJobFiles
{
    /// <summary>A <c>train</c> job: the plan's base, contract, learning rate and heartbeat interval; this contributor's shard, steps and seed.</summary>
    public static Dictionary<string, object?> Train(
        TrainingPlan plan, string backend, string runId, string contributor, string site, string shard, string dataPath, long steps, long seed, string outputDirectory) =>
        new(StringComparer.Ordinal)
        {
            ["schema_version"] = 1,
            ["mode"] = "train",
            ["run_id"] = runId,
            ["contributor"] = contributor,
            ["site"] = site,
            ["backend"] = backend,
            ["plan_digest"] = plan.Digest,
            ["base_snapshot_path"] = plan.BaseSnapshotPath,
            ["base_snapshot_digest"] = plan.BaseSnapshotDigest,
            ["adapter_contract"] = Contract(plan),
            ["data_shard"] = shard,
            ["data_path"] = dataPath,
            ["steps"] = steps,
            ["seed"] = seed,
            ["learning_rate"] = plan.LearningRate,
            ["heartbeat_interval_ms"] = (long)plan.HeartbeatInterval.TotalMilliseconds,
            ["output_directory"] = outputDirectory,
        };

    /// <summary>An <c>evaluate</c> job: the held-out loss of the plan's base with and without <paramref name="adapterPath"/>.</summary>
    public static Dictionary<string, object?> Evaluate(TrainingPlan plan, string backend, string adapterPath, string heldOutPath, string outputDirectory) =>
        new(StringComparer.Ordinal)
        {
            ["schema_version"] = 1,
            ["mode"] = "evaluate",
            ["backend"] = backend,
            ["base_snapshot_path"] = plan.BaseSnapshotPath,
            ["base_snapshot_digest"] = plan.BaseSnapshotDigest,
            ["adapter_contract"] = Contract(plan),
            ["data_shard"] = Path.GetFileNameWithoutExtension(heldOutPath),
            ["data_path"] = Path.GetFullPath(heldOutPath),
            ["adapter_path"] = Path.GetFullPath(adapterPath),
            ["output_directory"] = outputDirectory,
        };

    /// <summary>Writes a job beside its output directory (<c>&lt;output&gt;.job.json</c>), owner-only, and returns its path.</summary>
    public static string Write(Dictionary<string, object?> job, string outputDirectory)
    {
        var jobPath = outputDirectory.TrimEnd('/') + ".job.json";
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(jobPath)!);
        AtomicFile.WriteAllText(jobPath, CanonicalJson.SerializeIndented(job));
        return jobPath;
    }

    private static Dictionary<string, object?> Contract(TrainingPlan plan) => new(StringComparer.Ordinal)
    {
        ["target_modules"] = plan.Contract.TargetModules.ToList(),
        ["rank"] = plan.Contract.Rank,
        ["alpha"] = plan.Contract.Alpha,
        ["dtype"] = plan.Contract.DType,
    };
}
