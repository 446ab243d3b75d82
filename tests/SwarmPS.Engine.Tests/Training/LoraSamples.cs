using System.Runtime.InteropServices;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Small real LoRA contributions for the coordinator's tests: two modules (q_proj, lm_head) of rank 2 on a
/// 5 → 3 layer, written as safetensors files with a manifest that describes them, and a plan they meet.
/// </summary>
internal static class LoraSamples
{
    public const int Rank = 2;
    public const int In = 5;
    public const int Out = 3;

    public static readonly string BaseDigest = "sha256:" + new string('c', 64);

    public static readonly AdapterContract Contract = new() { TargetModules = new[] { "q_proj", "lm_head" }, Rank = Rank, Alpha = 4, DType = "F32" };

    /// <summary>Deterministic factors: the same seed gives the same values.</summary>
    public static Dictionary<string, float[]> Factors(int seed = 7)
    {
        var random = new Random(seed);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        return new Dictionary<string, float[]>(StringComparer.Ordinal)
        {
            ["model.q_proj.lora_A.weight"] = Values(Rank * In),
            ["model.q_proj.lora_B.weight"] = Values(Out * Rank),
            ["model.lm_head.lora_A.weight"] = Values(Rank * In),
            ["model.lm_head.lora_B.weight"] = Values(Out * Rank),
        };
    }

    /// <summary>Writes the factors as an adapter in <paramref name="directory"/> and a manifest of contributor <paramref name="contributor"/> describing it.</summary>
    public static (string Path, ContributionManifest Manifest) Write(
        string directory, Dictionary<string, float[]> factors, TensorDType dtype = TensorDType.F32, string contributor = "contrib-a", long exampleCount = 100,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var path = System.IO.Path.Combine(directory, $"adapter-{Guid.NewGuid():N}.safetensors");
        SafetensorsWriter.Write(path, factors.Select(pair =>
        {
            // A is [rank, in] and B is [out, rank]: the rank follows from the values given.
            var shape = pair.Key.EndsWith("lora_A.weight", StringComparison.Ordinal) ? new long[] { pair.Value.Length / In, In }
                : pair.Key.EndsWith("lora_B.weight", StringComparison.Ordinal) ? new long[] { Out, pair.Value.Length / Out }
                : new long[] { pair.Value.Length };
            var bytes = dtype == TensorDType.F64
                ? MemoryMarshal.AsBytes(pair.Value.Select(v => (double)v).ToArray().AsSpan()).ToArray()
                : MemoryMarshal.AsBytes(pair.Value.AsSpan()).ToArray();
            return new TensorToWrite(pair.Key, dtype, shape, bytes);
        }), metadata);
        using var file = SafetensorsFile.Open(path);
        var manifest = new ContributionManifest
        {
            RunId = "ft-007",
            Contributor = contributor,
            Site = "polaris",
            Backend = "dotnet.cpu",
            BaseSnapshotDigest = BaseDigest,
            Contract = Contract,
            DataShard = "shard-0",
            ExampleCount = exampleCount,
            Steps = 10,
            Seed = 1,
            LossBefore = 2,
            LossAfter = 1.5,
            StartedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero),
            EndedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 10, TimeSpan.Zero),
            HeartbeatCount = 10,
            AdapterDigest = "sha256:" + file.ComputeSha256(),
        };
        return (path, manifest);
    }

    /// <summary>A plan the samples meet, with the given gates.</summary>
    public static TrainingPlan Plan(PublicationGates? gates = null) => new()
    {
        Namespace = "ft-demo",
        CoordinatorSite = "alpha",
        Contributors = new[] { new PlanContributor("contrib-a", "alpha", "dotnet.cpu", "cpu:0", "shard-0") },
        BaseSnapshotPath = "/srv/models/base.safetensors",
        BaseSnapshotDigest = BaseDigest,
        Contract = Contract,
        Steps = 10,
        Seed = 1,
        LearningRate = 0.01,
        AdmissionTokenVariable = "SWARM_TRAINING_TOKEN",
        MaxUpdateNorm = 1000,
        Gates = gates ?? new PublicationGates(),
        Digest = "sha256:" + new string('d', 64),
    };
}
