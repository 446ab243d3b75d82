using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// Runs the trainer as the contract says a trainer runs: <c>dotnet bin/trainer/SwarmPS.Trainer.dll job.json</c>,
/// from the module layout the build writes, as its own process. Returns the exit code, the stdout JSON lines
/// and stderr.
/// </summary>
internal static class TrainerProcess
{
    public static string Assembly
    {
        get
        {
            var path = Path.Combine(RepositoryRoot.Path, "bin", "trainer", "SwarmPS.Trainer.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build the solution (the trainer project lays itself out in bin/trainer/).");
            return path;
        }
    }

    public static string Corpus(string file) => Path.Combine(RepositoryRoot.Path, "examples", "training", "corpus", file);

    public static TrainerResult Run(JsonObject job, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var jobPath = Path.Combine(directory, $"job-{Guid.NewGuid():N}.json");
        File.WriteAllText(jobPath, job.ToJsonString());
        return RunFile(jobPath, environment);
    }

    public static TrainerResult RunFile(string jobPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Assembly);
        start.ArgumentList.Add(jobPath);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the trainer did not finish within 120 s");
        }

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        return new TrainerResult(process.ExitCode, lines, error.Result);
    }
}

internal sealed record TrainerResult(int ExitCode, IReadOnlyList<JsonObject> Lines, string Stderr)
{
    public IEnumerable<JsonObject> Heartbeats => Lines.Where(l => (string?)l["event"] == "heartbeat");

    public string Describe() => $"exit {ExitCode}; stdout: {string.Join(" | ", Lines.Select(l => l.ToJsonString()))}; stderr: {Stderr}";

    /// <summary>Asserts the contract's failure: exit 2, one error line (the last) with the id, and a sentence on stderr.</summary>
    public JsonObject AssertFailed(string errorId)
    {
        Assert.True(ExitCode == 2, Describe());
        var last = Lines[^1];
        Assert.Equal("error", (string?)last["event"]);
        Assert.Equal(errorId, (string?)last["error_id"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)last["message"]));
        Assert.Single(Lines, l => (string?)l["event"] == "error");
        Assert.False(string.IsNullOrWhiteSpace(Stderr), "the trainer wrote no sentence on stderr");
        return last;
    }
}

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

/// <summary>One base snapshot (base_seed 1, written by the trainer's base mode) shared by a test class.</summary>
public sealed class TrainerBaseFixture : IDisposable
{
    public TrainerBaseFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("swarmps-trainer-base-").FullName;
        var result = TrainerProcess.Run(TrainerJobs.Base(Path.Combine(Directory, "base")), Directory);
        Assert.True(result.ExitCode == 0, result.Describe());
        BasePath = Path.Combine(Directory, "base", "base.safetensors");
        BaseDigest = TrainerJobs.Sha256(BasePath);
    }

    public string Directory { get; }

    public string BasePath { get; }

    public string BaseDigest { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
