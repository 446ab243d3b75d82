using System.Text;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Trainer;

/// <summary>
/// An <c>evaluate</c> job: the mean loss over every example of a held-out file, of the base alone and of the
/// base with the job's adapter, written as <c>evaluation.json</c> (canonical JSON). Without an adapter the
/// adapter's digest and loss are null.
/// </summary>
internal static class EvaluateRun
{
    public const string EvaluationFile = "evaluation.json";

    public static string Run(TrainerJob job)
    {
        var output = TrainerOutput.Prepare(job.OutputDirectory, EvaluationFile);
        var model = BaseModel.Load(job.BaseSnapshotPath, job.BaseSnapshotDigest);
        var features = ExampleFeatures.Compute(model, ExampleSet.Read(job.DataPath));
        var baseLoss = ShardLoss.OfBase(features);
        string? adapterDigest = null;
        double? adapterLoss = null;
        if (job.AdapterPath is { } path)
        {
            var adapter = LoraAdapter.Load(path, job.Contract!.Rank, job.Contract.Alpha);
            adapterLoss = ShardLoss.OfAdapter(features, new LoraHeadPass(features, adapter));
            using var stream = File.OpenRead(path);
            adapterDigest = BlobDigest.Of(stream).ToString();
        }

        var evaluation = new Dictionary<string, object?>
        {
            ["adapter_digest"] = adapterDigest,
            ["base_snapshot_digest"] = job.BaseSnapshotDigest,
            ["held_out_shard"] = job.DataShard,
            ["base_loss"] = baseLoss,
            ["adapter_loss"] = adapterLoss,
            ["backend"] = TrainerJob.Backend,
        };
        return output.WriteBytes(EvaluationFile, new UTF8Encoding(false).GetBytes(CanonicalJson.SerializeIndented(evaluation)));
    }
}
