using System.Text;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// A plan's canonical JSON: what Python's json.dumps(sort_keys=True, indent=2) writes back byte for byte, its
/// digest what hashlib computes, independent of where the plan file lies, and read back unchanged; hostile
/// bytes are refused as TrainingPlanInvalid naming the field.
/// </summary>
public sealed class TrainingPlanJsonTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-plan-json-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_canonical_json_is_what_python_writes_and_the_digest_what_hashlib_computes()
    {
        // A shard and a path outside ASCII: the bytes stay UTF-8, as the ledger's do.
        var plan = Load("plan.yaml", PlanFiles.With("shard: shard-1", "shard: \"shard-β\"").Replace("./base.safetensors", "./modèle/base.safetensors"));
        var bytes = TrainingPlanJson.Serialize(plan);

        var python = PythonScript.Run("""
            import hashlib, json, sys
            data = open(sys.argv[1], "rb").read()
            text = json.dumps(json.loads(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
            sys.stdout.buffer.write(("sha256:" + hashlib.sha256(data).hexdigest() + "\n" + text).encode("utf-8"))
            """, WriteBytes("plan.json", bytes));

        var newline = python.IndexOf('\n');
        Assert.Equal(plan.Digest, python[..newline]);
        Assert.Equal(Encoding.UTF8.GetString(bytes), python[(newline + 1)..]);
    }

    [Fact]
    public void The_json_holds_every_field_snake_case_with_defaults_times_in_ms_the_path_as_written_and_no_digest()
    {
        var plan = Load("deep/inside/plan.yaml", PlanFiles.Sound);
        var text = Encoding.UTF8.GetString(TrainingPlanJson.Serialize(plan));

        Assert.Contains("\"path\": \"./base.safetensors\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_root, text, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Digest, text, StringComparison.Ordinal);
        Assert.Contains("\"heartbeat_interval_ms\": 1000,", text, StringComparison.Ordinal);
        Assert.Contains("\"max_worker_skew_ms\": 15000", text, StringComparison.Ordinal);
        Assert.Contains("\"min_accepted\": 2,", text, StringComparison.Ordinal);
        Assert.Contains("\"alpha\": 8.0,", text, StringComparison.Ordinal);
        Assert.Contains("\"replay_tolerance\": 0.0001", text, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"adapter\": {\n    \"alpha\"", text, StringComparison.Ordinal);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_digest_does_not_depend_on_where_the_plan_file_is()
    {
        var here = Load("here/plan.yaml", PlanFiles.Sound);
        var there = Load("somewhere/else/plan.yaml", PlanFiles.Sound);

        Assert.NotEqual(here.BaseSnapshotPath, there.BaseSnapshotPath);
        Assert.Equal(here.Digest, there.Digest);
    }

    [Fact]
    public void Canonical_json_reads_back_to_the_same_plan_bytes_and_digest()
    {
        var plan = Load("plans/plan.yaml", PlanFiles.With("validation:", "timing: { contributor_loss_grace_ms: 9000 }\ngates: { min_loss_improvement: 0.125 }\nvalidation:"));
        var bytes = TrainingPlanJson.Serialize(plan);

        var back = TrainingPlanJson.Read(bytes, "frozen/plan.json", Path.Combine(_root, "plans"));

        Assert.Equal(bytes, TrainingPlanJson.Serialize(back));
        Assert.Equal(plan.Digest, back.Digest);
        Assert.Equal(plan.BaseSnapshotPath, back.BaseSnapshotPath);
        Assert.Equal(plan.Contributors, back.Contributors);
        Assert.Equal(TimeSpan.FromMilliseconds(9000), back.ContributorLossGrace);
        Assert.Equal(0.125, back.Gates.MinimumLossImprovement);
        Assert.Equal(plan with { Contributors = back.Contributors, Contract = back.Contract }, back);
    }

    public static TheoryData<string, string, string, string> Hostile => new()
    {
        { "a digest field", "\"schema_version\": 1", "\"schema_version\": 1,\n  \"digest\": \"sha256:00\"", "digest: it is not a field of a training plan" },
        { "a repeated field", "\"schema_version\": 1", "\"schema_version\": 1,\n  \"schema_version\": 1", "appears twice" },
        { "a rank of 0", "\"rank\": 4", "\"rank\": 0", "adapter.rank: " },
        { "a string for a number", "\"steps\": 50", "\"steps\": \"50\"", "training.steps: it is the text '50' in quotes" },
        { "a lone surrogate", "\"shard-1\"", "\"shard-\\ud800\"", "not valid Unicode" },
        { "malformed JSON", "\"rank\": 4,", "\"rank\": 4,,", "malformed" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_plan_json_is_refused_naming_the_source_and_the_field(string what, string from, string to, string problem)
    {
        var text = Encoding.UTF8.GetString(TrainingPlanJson.Serialize(Load("plan.yaml", PlanFiles.Sound)));
        Assert.Contains(from, text, StringComparison.Ordinal);

        var error = Assert.Throws<SwarmException>(() => TrainingPlanJson.Read(Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal)), "evidence/plan.json", _root));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.StartsWith("evidence/plan.json:", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(problem, StringComparison.OrdinalIgnoreCase), $"{what}: {error.Message}");
    }

    [Fact]
    public void Bytes_over_a_mebibyte_or_not_utf8_are_refused_before_they_are_parsed()
    {
        var huge = new byte[TrainingPlanJson.MaxBytes + 1];
        Array.Fill(huge, (byte)' ');

        var big = Assert.Throws<SwarmException>(() => TrainingPlanJson.Read(huge, "big.json", _root));
        var latin = Assert.Throws<SwarmException>(() => TrainingPlanJson.Read(new byte[] { (byte)'{', 0xE9, (byte)'}' }, "latin.json", _root));

        Assert.Equal(("TrainingPlanInvalid", "TrainingPlanInvalid"), (big.ErrorId, latin.ErrorId));
        Assert.Contains("more than a plan's", big.Message, StringComparison.Ordinal);
        Assert.Contains("not UTF-8", latin.Message, StringComparison.Ordinal);
    }

    private TrainingPlan Load(string name, string text)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return TrainingPlanReader.Load(path);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
