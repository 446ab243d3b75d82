using System.Text;
using System.Text.Json.Nodes;
using SwarmPS.Trainer;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// The job file read as hostile input: each mode takes exactly its fields, every one of its shape; an unknown,
/// missing, repeated or ill-shaped field is <c>TrainerJobInvalid</c> naming it, and a contract this version
/// cannot train is <c>AdapterContractUnsupported</c>.
/// </summary>
public sealed class TrainerJobTests
{
    private static readonly string Digest = "sha256:" + new string('a', 64);

    private static JsonObject Train() => TrainerJobs.Train("/b/base.safetensors", Digest, "/out", "/d/shard-0.txt");

    private static TrainerJob Parse(JsonNode job) => TrainerJob.Parse(Encoding.UTF8.GetBytes(job.ToJsonString()), "job.json");

    [Fact]
    public void A_train_job_is_read_with_every_field()
    {
        var job = Parse(Train());

        Assert.Equal(TrainerMode.Train, job.Mode);
        Assert.Equal("trainer-test", job.RunId);
        Assert.Equal(TrainerJobs.PlanDigest, job.PlanDigest);
        Assert.Equal(4, job.Contract!.Rank);
        Assert.Equal(8.0, job.Contract.Alpha);
        Assert.Equal(200, job.Steps);
        Assert.Equal(7, job.Seed);
        Assert.Equal(0.5, job.LearningRate);
        Assert.Equal(1000, job.HeartbeatIntervalMs);
    }

    [Fact]
    public void The_heartbeat_interval_defaults_to_1000_ms_and_the_adapter_path_of_an_evaluation_is_optional()
    {
        var train = Train();
        train.Remove("heartbeat_interval_ms");
        Assert.Equal(1000, Parse(train).HeartbeatIntervalMs);

        Assert.Null(Parse(TrainerJobs.Evaluate("/b", Digest, "/out", null)).AdapterPath);
        Assert.Equal("/a.safetensors", Parse(TrainerJobs.Evaluate("/b", Digest, "/out", "/a.safetensors")).AdapterPath);
        Assert.Equal(5, Parse(TrainerJobs.Base("/out", 5)).BaseSeed);
    }

    public static TheoryData<string, string> BadFields => new()
    {
        { "stepz", """{"stepz": 10}""" },
        { "steps", """{"steps": 0}""" },
        { "steps", """{"steps": 1.5}""" },
        { "steps", """{"steps": "10"}""" },
        { "seed", """{"seed": -1}""" },
        { "learning_rate", """{"learning_rate": 0}""" },
        { "plan_digest", """{"plan_digest": "sha256:ABC"}""" },
        { "base_snapshot_digest", """{"base_snapshot_digest": "md5:0"}""" },
        { "run_id", """{"run_id": "Has Spaces"}""" },
        { "contributor", """{"contributor": "../etc"}""" },
        { "backend", """{"backend": "pytorch.cpu"}""" },
        { "schema_version", """{"schema_version": 2}""" },
        { "mode", """{"mode": "finetune"}""" },
        { "adapter_path", """{"adapter_path": "/a.safetensors"}""" },
        { "base_seed", """{"base_seed": 1}""" },
        { "adapter_contract.rank", """{"adapter_contract": {"target_modules": ["lm_head"], "rank": 0, "alpha": 8, "dtype": "F32"}}""" },
        { "adapter_contract.extra", """{"adapter_contract": {"target_modules": ["lm_head"], "rank": 4, "alpha": 8, "dtype": "F32", "extra": 1}}""" },
        { "adapter_contract.alpha", """{"adapter_contract": {"target_modules": ["lm_head"], "rank": 4, "dtype": "F32"}}""" },
        { "heartbeat_interval_ms", """{"heartbeat_interval_ms": 0}""" },
        { "output_directory", """{"output_directory": ""}""" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void A_bad_field_is_refused_naming_it(string field, string change)
    {
        var job = Train();
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
        {
            job[name] = value?.DeepClone();
        }

        var error = Assert.Throws<SwarmException>(() => Parse(job));

        Assert.Equal("TrainerJobInvalid", error.ErrorId);
        Assert.Contains($"'{field}'", error.Message);
    }

    [Theory]
    [InlineData("data_path")]
    [InlineData("steps")]
    [InlineData("plan_digest")]
    [InlineData("output_directory")]
    [InlineData("schema_version")]
    [InlineData("mode")]
    public void A_missing_field_is_refused_naming_it(string field)
    {
        var job = Train();
        job.Remove(field);

        var error = Assert.Throws<SwarmException>(() => Parse(job));

        Assert.Equal("TrainerJobInvalid", error.ErrorId);
        Assert.Contains($"'{field}': it is missing", error.Message);
    }

    [Fact]
    public void A_repeated_field_a_non_object_and_non_JSON_are_refused()
    {
        var text = Train().ToJsonString().Replace("\"steps\":200", "\"steps\":200,\"steps\":5", StringComparison.Ordinal);
        Assert.Contains("'steps': it appears twice", Assert.Throws<SwarmException>(() => TrainerJob.Parse(Encoding.UTF8.GetBytes(text), "job.json")).Message);
        Assert.Equal("TrainerJobInvalid", Assert.Throws<SwarmException>(() => TrainerJob.Parse("[1]"u8.ToArray(), "job.json")).ErrorId);
        Assert.Equal("TrainerJobInvalid", Assert.Throws<SwarmException>(() => TrainerJob.Parse("{\"mode\":"u8.ToArray(), "job.json")).ErrorId);
    }

    [Fact]
    public void A_job_file_over_the_size_cap_is_refused_before_it_is_parsed()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("swarmps-job-").FullName, "job.json");
        File.WriteAllText(path, "{\"x\": \"" + new string('a', TrainerJob.MaxBytes) + "\"}");
        try
        {
            var error = Assert.Throws<SwarmException>(() => TrainerJob.Read(path));
            Assert.Equal("TrainerJobInvalid", error.ErrorId);
            Assert.Contains("KiB", error.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("""["q_proj"]""", "F32")]
    [InlineData("""["lm_head", "q_proj"]""", "F32")]
    [InlineData("""["lm_head"]""", "BF16")]
    public void A_contract_other_than_lm_head_in_F32_is_unsupported(string modules, string dtype)
    {
        var job = Train();
        job["adapter_contract"] = new JsonObject { ["target_modules"] = JsonNode.Parse(modules), ["rank"] = 4, ["alpha"] = 8, ["dtype"] = dtype };

        Assert.Equal("AdapterContractUnsupported", Assert.Throws<SwarmException>(() => Parse(job)).ErrorId);
    }
}
