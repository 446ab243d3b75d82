using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// A <c>train</c> job: the adapter trained on the shard from the job's seed, written as
/// <c>adapter.safetensors</c>, then its contribution manifest (canonical JSON) as <c>manifest.json</c>, last.
/// </summary>
internal static class TrainRun
{
    public const string AdapterFile = "adapter.safetensors";

    public const string ManifestFile = "manifest.json";

    public static string Run(TrainerJob job, ProgressLines progress)
    {
        // started_at is when the job was read, setup included, as heartbeat_count counts the setup beats:
        // the validator's average (ended_at − started_at) / heartbeat_count stays honest over a slow setup.
        var started = Now();
        var contract = job.Contract!;
        TrainerOutput output;
        ExampleFeatures features;
        LoraAdapter adapter;
        double lossBefore;
        using (SetupHeartbeats.Start(progress, TimeSpan.FromMilliseconds(job.HeartbeatIntervalMs)))
        {
            output = TrainerOutput.Prepare(job.OutputDirectory, ManifestFile);
            var model = BaseModel.Load(job.BaseSnapshotPath, job.BaseSnapshotDigest);
            features = ExampleFeatures.Compute(model, ExampleSet.Read(job.DataPath));
            adapter = LoraAdapter.Initial(contract.Rank, contract.Alpha, (ulong)job.Seed);

            // B starts at zeros, so this is the base's loss: the model before the first step.
            lossBefore = ShardLoss.OfAdapter(features, new LoraHeadPass(features, adapter));
        }

        new SgdTraining(features, adapter, job.LearningRate, progress, TimeSpan.FromMilliseconds(job.HeartbeatIntervalMs)).Run(job.Steps, lossBefore);
        var lossAfter = ShardLoss.OfAdapter(features, new LoraHeadPass(features, adapter));
        if (!adapter.IsFinite() || !double.IsFinite(lossAfter))
        {
            throw SgdTraining.Diverged(job.Steps, job.LearningRate, lossAfter);
        }

        var adapterPath = output.WriteSafetensors(AdapterFile, adapter.ToWrite(), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["lora_alpha"] = adapter.AlphaText,
            ["swarmps_backend"] = TrainerJob.Backend,
            // The manifest has no field for the plan yet; the adapter carries it, and its digest is in the manifest.
            ["swarmps_plan_digest"] = job.PlanDigest,
        });
        string adapterDigest;
        using (var stream = File.OpenRead(adapterPath))
        {
            adapterDigest = BlobDigest.Of(stream).ToString();
        }

        var manifest = new ContributionManifest
        {
            RunId = job.RunId,
            Contributor = job.Contributor,
            Site = job.Site,
            Backend = TrainerJob.Backend,
            BaseSnapshotDigest = job.BaseSnapshotDigest,
            Contract = contract,
            DataShard = job.DataShard,
            ExampleCount = features.Count,
            Steps = job.Steps,
            Seed = job.Seed,
            LossBefore = lossBefore,
            LossAfter = lossAfter,
            StartedAt = started,
            EndedAt = Now(),
            HeartbeatCount = progress.HeartbeatCount,
            AdapterDigest = adapterDigest,
        };
        var bytes = ContributionManifestJson.Serialize(manifest);

        // What the coordinator will do on arrival, done here first: a manifest its reader refuses is a bug to report, not a contribution to send.
        ContributionManifestJson.Parse(bytes, ManifestFile);
        return output.WriteBytes(ManifestFile, bytes);
    }

    /// <summary>Now, to the millisecond the manifest keeps, so the written times read back equal.</summary>
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
