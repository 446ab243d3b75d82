using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>Job files for the tests: a base from base_seed 1 and the contract's example jobs, as JSON objects a test can change.</summary>
internal static class TrainerJobs
{
    public const string PlanDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    public static JsonObject Contract(int rank = 4, double alpha = 8) => new()
    {
        ["target_modules"] = new JsonArray("lm_head"),
        ["rank"] = rank,
        ["alpha"] = alpha,
        ["dtype"] = "F32",
    };

    public static JsonObject Base(string output, long seed = 1) => new()
    {
        ["schema_version"] = 1,
        ["mode"] = "base",
        ["backend"] = "dotnet.cpu",
        ["output_directory"] = output,
        ["base_seed"] = seed,
    };

    public static JsonObject Train(string basePath, string baseDigest, string output, string dataPath, int steps = 200, double learningRate = 0.5, long seed = 7) => new()
    {
        ["schema_version"] = 1,
        ["mode"] = "train",
        ["run_id"] = "trainer-test",
        ["contributor"] = "alice",
        ["site"] = "alpha",
        ["backend"] = "dotnet.cpu",
        ["plan_digest"] = PlanDigest,
        ["base_snapshot_path"] = basePath,
        ["base_snapshot_digest"] = baseDigest,
        ["adapter_contract"] = Contract(),
        ["data_shard"] = "shard-0",
        ["data_path"] = dataPath,
        ["steps"] = steps,
        ["seed"] = seed,
        ["learning_rate"] = learningRate,
        ["heartbeat_interval_ms"] = 1000,
        ["output_directory"] = output,
    };

    public static JsonObject Evaluate(string basePath, string baseDigest, string output, string? adapterPath)
    {
        var job = new JsonObject
        {
            ["schema_version"] = 1,
            ["mode"] = "evaluate",
            ["backend"] = "dotnet.cpu",
            ["base_snapshot_path"] = basePath,
            ["base_snapshot_digest"] = baseDigest,
            ["adapter_contract"] = Contract(),
            ["data_shard"] = "held-out",
            ["data_path"] = TrainerProcess.Corpus("held-out.txt"),
            ["output_directory"] = output,
        };
        if (adapterPath is not null)
        {
            job["adapter_path"] = adapterPath;
        }

        return job;
    }

    public static JsonObject ReadObject(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream)).ToLowerInvariant();
    }
}
