using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// Each refusal as the contract states it, from the real process: exit 2, one error line with the id on
/// stdout, a sentence on stderr, and no manifest (nor evaluation) left behind, even one an earlier job wrote.
/// </summary>
public sealed class TrainerRefusalTests(TrainerBaseFixture fixture) : IClassFixture<TrainerBaseFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-trainer-refusal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Output => Path.Combine(_directory, "out");

    private System.Text.Json.Nodes.JsonObject Job(string? dataPath = null, string? basePath = null, string? baseDigest = null) =>
        TrainerJobs.Train(basePath ?? fixture.BasePath, baseDigest ?? fixture.BaseDigest, Output, dataPath ?? TrainerProcess.Corpus("shard-0.txt"), steps: 20);

    private void AssertNothingLeft()
    {
        Assert.False(File.Exists(Path.Combine(Output, "manifest.json")), "a manifest was left behind");
        Assert.False(File.Exists(Path.Combine(Output, "adapter.safetensors")), "an adapter was left behind");
    }

    [Fact]
    public void A_bad_job_field_exits_2_naming_the_field()
    {
        var job = Job();
        job["stepz"] = 3;

        var result = TrainerProcess.Run(job, _directory);
        var error = result.AssertFailed("TrainerJobInvalid");

        Assert.Contains("'stepz'", (string?)error["message"]);
        // Refused as it is read: no setup has begun, so the error is the only line.
        Assert.True(result.Lines.Count == 1, result.Describe());
        AssertNothingLeft();
    }

    [Fact]
    public void No_argument_exits_2_with_the_usage()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(TrainerProcess.Assembly);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("\"error_id\":\"TrainerJobInvalid\"", stdout);
    }

    [Fact]
    public void A_base_snapshot_that_is_not_the_jobs_digest_exits_2_and_a_stale_manifest_is_removed()
    {
        Directory.CreateDirectory(Output);
        File.WriteAllText(Path.Combine(Output, "manifest.json"), "{} from an earlier job");

        var result = TrainerProcess.Run(Job(baseDigest: "sha256:" + new string('0', 64)), _directory);
        result.AssertFailed("BaseSnapshotMismatch");

        // Refused during setup, after the job was read: setup heartbeats, stopped before the error, the last line.
        Assert.True(result.Lines.Count >= 2, result.Describe());
        Assert.All(result.Lines.SkipLast(1), l => Assert.Equal("setup", (string?)l["phase"]));
        AssertNothingLeft();
    }

    [Fact]
    public void A_base_snapshot_missing_a_tensor_or_of_a_wrong_shape_exits_2()
    {
        var missing = Path.Combine(_directory, "missing.safetensors");
        var misshapen = Path.Combine(_directory, "misshapen.safetensors");
        using (var good = SafetensorsFile.Open(fixture.BasePath))
        {
            var tensors = good.Tensors.ToDictionary(t => t.Name, t => good.GetBytes(t).ToArray());
            SafetensorsWriter.Write(missing, tensors.Where(t => t.Key != "hidden.bias")
                .Select(t => new TensorToWrite(t.Key, TensorDType.F32, good.GetTensor(t.Key).Shape, t.Value)));
            SafetensorsWriter.Write(misshapen, tensors
                .Select(t => new TensorToWrite(t.Key, TensorDType.F32, t.Key == "embed.weight" ? [16, 64] : good.GetTensor(t.Key).Shape, t.Value)));
        }

        var first = TrainerProcess.Run(Job(basePath: missing, baseDigest: TrainerJobs.Sha256(missing)), _directory).AssertFailed("BaseSnapshotInvalid");
        var second = TrainerProcess.Run(Job(basePath: misshapen, baseDigest: TrainerJobs.Sha256(misshapen)), _directory).AssertFailed("BaseSnapshotInvalid");

        Assert.Contains("'hidden.bias'", (string?)first["message"]);
        Assert.Contains("'embed.weight' is F32 [16, 64]", (string?)second["message"]);
        AssertNothingLeft();
    }

    [Fact]
    public void An_unsupported_adapter_contract_exits_2()
    {
        var job = Job();
        job["adapter_contract"]!["target_modules"] = new System.Text.Json.Nodes.JsonArray("q_proj", "v_proj");

        TrainerProcess.Run(job, _directory).AssertFailed("AdapterContractUnsupported");

        AssertNothingLeft();
    }

    [Fact]
    public void A_character_the_model_has_no_token_for_exits_2_naming_the_line()
    {
        var data = Path.Combine(_directory, "bad.txt");
        File.WriteAllText(data, "a dog runs.\nthe Cat sleeps.\n");

        var error = TrainerProcess.Run(Job(dataPath: data), _directory).AssertFailed("DataFileInvalid");

        Assert.Contains("line 2, column 5", (string?)error["message"]);
        AssertNothingLeft();
    }

    [Fact]
    public void A_learning_rate_that_makes_training_diverge_exits_2_without_an_adapter()
    {
        var job = Job();
        job["learning_rate"] = 1e6;
        job["steps"] = 200;

        TrainerProcess.Run(job, _directory).AssertFailed("TrainingDiverged");

        AssertNothingLeft();
    }

    [Fact]
    public void An_evaluation_of_an_adapter_of_another_rank_or_alpha_exits_2_without_an_evaluation()
    {
        var trained = Path.Combine(_directory, "trained");
        var train = TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, trained, TrainerProcess.Corpus("shard-0.txt"), steps: 5);
        Assert.Equal(0, TrainerProcess.Run(train, _directory).ExitCode);
        var evaluate = TrainerJobs.Evaluate(fixture.BasePath, fixture.BaseDigest, Output, Path.Combine(trained, "adapter.safetensors"));
        evaluate["adapter_contract"]!["rank"] = 8;

        TrainerProcess.Run(evaluate, _directory).AssertFailed("TrainerAdapterInvalid");
        Assert.False(File.Exists(Path.Combine(Output, "evaluation.json")));

        evaluate["adapter_contract"]!["rank"] = 4;
        evaluate["adapter_contract"]!["alpha"] = 16;
        var alpha = TrainerProcess.Run(evaluate, _directory).AssertFailed("TrainerAdapterInvalid");
        Assert.Contains("lora_alpha '8'", (string?)alpha["message"]);
        Assert.False(File.Exists(Path.Combine(Output, "evaluation.json")));
    }
}
