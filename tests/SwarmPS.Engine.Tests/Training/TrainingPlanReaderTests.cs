using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Training plan files on disk: a sound plan is read with every field and default, and every refusal is
/// TrainingPlanInvalid naming the file, the line and the field, with a remediation; only a file that cannot
/// be opened keeps the module's own file error.
/// </summary>
public sealed class TrainingPlanReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-plan-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_sound_plan_is_read_with_every_field_and_the_defaults_it_leaves_out()
    {
        var plan = TrainingPlanReader.Load(Write("plans/plan.yaml", PlanFiles.Sound));

        Assert.Equal(1, plan.SchemaVersion);
        Assert.Equal("ft-demo", plan.Namespace);
        Assert.Equal("alpha", plan.CoordinatorSite);
        Assert.Equal(
            new[] { new PlanContributor("c1", "alpha", "dotnet.cpu", "cpu:0", "shard-0"), new PlanContributor("c2", "beta", "pytorch.cpu", "cpu:0", "shard-1") },
            plan.Contributors);
        Assert.Equal("./base.safetensors", plan.BaseSnapshotFile);
        Assert.Equal(Path.Combine(_root, "plans", "base.safetensors"), plan.BaseSnapshotPath);
        Assert.Equal(PlanFiles.SnapshotDigest, plan.BaseSnapshotDigest);
        Assert.Equal(new[] { "lm_head" }, plan.Contract.TargetModules);
        Assert.Equal((4, 8.0, "F32"), (plan.Contract.Rank, plan.Contract.Alpha, plan.Contract.DType));
        Assert.Equal((50, 7L, 0.01), (plan.Steps, plan.Seed, plan.LearningRate));
        Assert.Equal("SWARM_TRAINING_TOKEN", plan.AdmissionTokenVariable);
        Assert.Equal((10.0, 0.5, 1e-4), (plan.MaxUpdateNorm, plan.ReplaySample, plan.ReplayTolerance));

        // Left out of the file: the documented defaults.
        Assert.Equal(TimeSpan.FromMilliseconds(1000), plan.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), plan.StaleAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(7500), plan.ContributorLossGrace);
        Assert.Equal(TimeSpan.FromMilliseconds(15000), plan.MaxWorkerSkew);
        Assert.Equal(new PublicationGates { MinimumAccepted = 2, MinimumReplayChecked = 1, MinimumLossImprovement = 0 }, plan.Gates);

        Assert.Equal(TrainingPlanJson.Digest(plan), plan.Digest);
        Assert.Matches("^sha256:[0-9a-f]{64}$", plan.Digest);
        Assert.Equal(PlanFiles.SnapshotDigest, plan.ValidationRules.BaseSnapshotDigest);
        Assert.Equal(plan.StaleAfter, plan.ValidationRules.StaleAfter);
    }

    [Fact]
    public void Optional_fields_left_out_read_as_their_defaults_and_the_replay_fields_too()
    {
        var plan = TrainingPlanReader.Load(Write("plan.yaml", PlanFiles.With("  replay_sample: 0.5\n  replay_tolerance: 1.0e-4\n", "")));

        Assert.Equal(0, plan.ReplaySample);
        Assert.Equal(1e-4, plan.ReplayTolerance);
    }

    [Fact]
    public void A_coordinator_on_a_site_without_contributors_and_an_absolute_snapshot_path_are_fine()
    {
        var plan = TrainingPlanReader.Load(Write("plan.yaml", PlanFiles.With("  site: alpha\n", "  site: gamma\n").Replace("./base.safetensors", "/data/base.safetensors")));

        Assert.Equal("gamma", plan.CoordinatorSite);
        Assert.Equal("/data/base.safetensors", plan.BaseSnapshotPath);
    }

    [Fact]
    public void The_same_plan_as_json_with_other_key_order_and_spacing_reads_alike_and_has_the_same_digest()
    {
        var yaml = TrainingPlanReader.Load(Write("a/plan.yaml", PlanFiles.Sound));
        var json = TrainingPlanReader.Load(Write("b/plan.json", """
            {
              // Comments and other spacing change nothing; neither do defaults written out.
              "validation": {"replay_tolerance": 0.0001, "replay_sample": 0.50, "max_update_norm": 10},
              "contributors": [
                {"shard": "shard-0", "device": "cpu:0", "backend": "dotnet.cpu", "site": "alpha", "id": "c1"},
                {"id": "c2", "site": "beta", "backend": "pytorch.cpu", "device": "cpu:0", "shard": "shard-1"}
              ],
              "timing": {"heartbeat_interval_ms": 1000, "stale_worker_ms": 5000},
              "gates": {"min_accepted": 2},
              "admission_token_env": "SWARM_TRAINING_TOKEN",
              "training": {"learning_rate": 1e-2, "seed": 7, "steps": 50},
              "adapter": {"dtype": "F32", "alpha": 8.0, "rank": 4, "target_modules": ["lm_head"]},
              "base_snapshot": {"digest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "path": "./base.safetensors"},
              "coordinator": {"site": "alpha"},
              "namespace": "ft-demo",
              "schema_version": 1,
            }
            """));

        Assert.Equal(yaml.Digest, json.Digest);
        Assert.NotEqual(yaml.BaseSnapshotPath, json.BaseSnapshotPath);
    }

    [Theory]
    [InlineData("  steps: 50", "  steps: 51")]
    [InlineData("  seed: 7", "  seed: 8")]
    [InlineData("device: \"cpu:0\", shard: shard-1", "device: \"cuda:0\", shard: shard-1")]
    [InlineData("./base.safetensors", "../base.safetensors")]
    [InlineData("  replay_sample: 0.5", "  replay_sample: 0.25")]
    [InlineData("admission_token_env: SWARM_TRAINING_TOKEN", "admission_token_env: OTHER_TOKEN")]
    public void A_changed_value_changes_the_digest(string from, string to)
    {
        var sound = TrainingPlanReader.Load(Write("sound.yaml", PlanFiles.Sound));
        var changed = TrainingPlanReader.Load(Write("changed.yaml", PlanFiles.With(from, to)));

        Assert.NotEqual(sound.Digest, changed.Digest);
    }

    public static TheoryData<string, string, string, int, string, string> Refusals => new()
    {
        // what, from, to, line, field, a piece of the problem
        { "a rank of 0", "rank: 4", "rank: 0", 10, "adapter.rank", "whole number from 1 to 4096" },
        { "a rank above 4096", "rank: 4", "rank: 5000", 10, "adapter.rank", "whole number from 1 to 4096" },
        { "a fractional rank", "rank: 4", "rank: 4.5", 10, "adapter.rank", "whole number" },
        { "a number in quotes", "rank: 4", "rank: \"4\"", 10, "adapter.rank", "in quotes" },
        { "an alpha of 0", "alpha: 8", "alpha: 0", 11, "adapter.alpha", "above 0" },
        { "an infinite alpha", "alpha: 8", "alpha: .inf", 11, "adapter.alpha", "finite" },
        { "an unknown dtype", "dtype: F32", "dtype: F8", 12, "adapter.dtype", "one of F32, F16, BF16" },
        { "no target modules", "target_modules: [lm_head]", "target_modules: []", 9, "adapter.target_modules", "one or more" },
        { "a repeated target module", "target_modules: [lm_head]", "target_modules: [lm_head, lm_head]", 9, "adapter.target_modules", "distinct" },
        { "zero steps", "steps: 50", "steps: 0", 14, "training.steps", "from 1 to 1000000" },
        { "a negative seed", "seed: 7", "seed: -1", 15, "training.seed", "from 0 to 2147483647" },
        { "a zero learning rate", "learning_rate: 0.01", "learning_rate: 0", 16, "training.learning_rate", "above 0" },
        { "a learning rate above 10", "learning_rate: 0.01", "learning_rate: 11", 16, "training.learning_rate", "at most 10" },
        { "a NaN learning rate", "learning_rate: 0.01", "learning_rate: .nan", 16, "training.learning_rate", "finite" },
        { "an overflowing learning rate", "learning_rate: 0.01", "learning_rate: 1e999", 16, "training.learning_rate", "finite" },
        { "a learning rate that is text", "learning_rate: 0.01", "learning_rate: fast", 16, "training.learning_rate", "not a number" },
        { "a replay sample above 1", "replay_sample: 0.5", "replay_sample: 1.5", 23, "validation.replay_sample", "from 0 to 1" },
        { "a negative replay sample", "replay_sample: 0.5", "replay_sample: -0.1", 23, "validation.replay_sample", "from 0 to 1" },
        { "a zero tolerance", "replay_tolerance: 1.0e-4", "replay_tolerance: 0", 24, "validation.replay_tolerance", "above 0" },
        { "a negative tolerance", "replay_tolerance: 1.0e-4", "replay_tolerance: -1.0e-4", 24, "validation.replay_tolerance", "above 0" },
        { "an infinite update bound", "max_update_norm: 10.0", "max_update_norm: .Inf", 22, "validation.max_update_norm", "finite" },
        { "an upper-case digest", "aaaa", "AAAA", 7, "base_snapshot.digest", "64 lowercase hex" },
        { "a digest of another hash", PlanFiles.SnapshotDigest, "md5:" + new string('a', 32), 7, "base_snapshot.digest", "sha256:" },
        { "a short digest", PlanFiles.SnapshotDigest, "sha256:abc", 7, "base_snapshot.digest", "sha256:" },
        { "a path from the environment", "./base.safetensors", "${HOME}/base.safetensors", 6, "base_snapshot.path", "not expanded" },
        { "a repeated contributor id", "id: c2", "id: c1", 20, "contributors[1].id", "already the id of contributors[0]" },
        { "a contributor id differing only in case", "id: c2", "id: C1", 20, "contributors[1].id", "already the id of contributors[0]" },
        { "a contributor id that is not a name", "id: c2", "id: \"../c2\"", 20, "contributors[1].id", "ASCII letters" },
        { "a device not like cpu:N", "device: \"cpu:0\", shard: shard-1", "device: gpu0, shard: shard-1", 20, "contributors[1].device", "cpu:0 or cuda:0" },
        { "a cuda device without a number", "device: \"cpu:0\", shard: shard-1", "device: \"cuda:x\", shard: shard-1", 20, "contributors[1].device", "cpu:0 or cuda:0" },
        { "a shard used twice", "shard: shard-1", "shard: shard-0", 20, "contributors[1].shard", "already the shard of contributors[0]" },
        { "a backend that is not a label", "backend: pytorch.cpu", "backend: PyTorch", 20, "contributors[1].backend", "backend label" },
        { "a contributor site that is not a site name", "site: beta", "site: Beta!", 20, "contributors[1].site", "site name" },
        { "a contributor that is not a mapping", "  - { id: c2, site: beta, backend: pytorch.cpu, device: \"cpu:0\", shard: shard-1 }", "  - c2", 20, "contributors[1]", "mapping of fields" },
        { "an unknown contributor field", "shard: shard-1 }", "shard: shard-1, gpu: true }", 20, "contributors[1].gpu", "not a field of contributors[1]" },
        { "a namespace that is not a name", "namespace: ft-demo", "namespace: Ft_Demo", 2, "namespace", "lowercase letters" },
        { "a coordinator site that is not a site name", "  site: alpha\n", "  site: \"alpha site\"\n", 4, "coordinator.site", "site name" },
        { "another schema version", "schema_version: 1", "schema_version: 2", 1, "schema_version", "it is 2" },
        { "an unknown field (a typo)", "  replay_sample: 0.5", "  replay_sampel: 0.5", 23, "validation.replay_sampel", "not a field of validation" },
        { "an unknown top-level field", "namespace: ft-demo", "namespace: ft-demo\nname: x", 3, "name", "not a field of a training plan" },
        { "a section that is a list", "coordinator:\n  site: alpha\n", "coordinator: [alpha]\n\n", 3, "coordinator", "mapping of fields" },
        { "a stale threshold inside one heartbeat", "validation:", "timing: { heartbeat_interval_ms: 1000, stale_worker_ms: 1000 }\nvalidation:", 21, "timing.stale_worker_ms", "longer than heartbeat_interval_ms" },
        { "a negative grace", "validation:", "timing: { contributor_loss_grace_ms: -5 }\nvalidation:", 21, "timing.contributor_loss_grace_ms", "from 1 to 86400000" },
        { "a gate no plan of two could pass", "validation:", "gates: { min_accepted: 3 }\nvalidation:", 21, "gates.min_accepted", "could never hold" },
        { "more replay checks than acceptances", "validation:", "gates: { min_accepted: 1, min_replay_checked: 2 }\nvalidation:", 21, "gates.min_replay_checked", "more than min_accepted" },
        { "a negative loss margin", "validation:", "gates: { min_loss_improvement: -0.5 }\nvalidation:", 21, "gates.min_loss_improvement", "at least 0" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_bad_value_is_refused_naming_file_line_and_field(string what, string from, string to, int line, string field, string problem)
    {
        var path = Write("plan.yaml", PlanFiles.With(from, to));

        var error = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(path));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.True(error.Message.StartsWith($"{path}:{line}: {field}: ", StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.False(string.IsNullOrWhiteSpace(error.Remediation), what);
        Assert.Equal(SwarmErrorCategory.InvalidData, error.Category);
    }

    [Fact]
    public void A_typo_is_answered_with_the_field_it_was_meant_to_be()
    {
        var error = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(Write("plan.yaml", PlanFiles.With("  replay_sample: 0.5", "  replay_sampel: 0.5"))));

        Assert.Contains("Did you mean 'replay_sample'?", error.Remediation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("schema_version: 1\n", "schema_version")]
    [InlineData("  steps: 50\n", "training.steps")]
    [InlineData("admission_token_env: SWARM_TRAINING_TOKEN\n", "admission_token_env")]
    [InlineData("validation:\n  max_update_norm: 10.0\n  replay_sample: 0.5\n  replay_tolerance: 1.0e-4\n", "validation")]
    public void A_missing_field_is_refused_by_name(string removed, string field)
    {
        var error = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(Write("plan.yaml", PlanFiles.With(removed, ""))));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.Contains($": {field}: it is missing", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ghp_5cR3tT0k3nV4lu3xYz")]
    [InlineData("s3cr3t-t0k3n")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public void A_token_written_where_the_variable_name_goes_is_refused_and_never_repeated(string token)
    {
        var path = Write("plan.yaml", PlanFiles.With("SWARM_TRAINING_TOKEN", $"\"{token}\""));

        var error = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(path));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.StartsWith($"{path}:17: admission_token_env: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Target?.ToString() ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("an alias", "namespace: ft-demo", "namespace: &n ft-demo\nextra: *n", "alias")]
    [InlineData("a repeated key", "  rank: 4", "  rank: 4\n  rank: 8", "appears twice")]
    [InlineData("malformed YAML", "  rank: 4", "  rank: [4", "still open")]
    public void What_the_yaml_reader_refuses_is_TrainingPlanInvalid_with_file_and_line(string what, string from, string to, string problem)
    {
        var path = Write("plan.yaml", PlanFiles.With(from, to));

        var error = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(path));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:[0-9]+: ", error.Message);
        Assert.True(error.Message.Contains(problem, StringComparison.OrdinalIgnoreCase), $"{what}: {error.Message}");
    }

    [Fact]
    public void A_nesting_bomb_and_an_oversized_file_are_refused_before_they_cost_anything()
    {
        var deep = Write("deep.yaml", PlanFiles.With("  target_modules: [lm_head]", "  target_modules: " + new string('[', 200) + new string(']', 200)));
        var big = Write("big.yaml", PlanFiles.Sound + "# " + new string('x', 1024 * 1024) + "\n");

        var deepError = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(deep));
        var bigError = Assert.Throws<SwarmException>(() => TrainingPlanReader.Load(big));

        Assert.Equal("TrainingPlanInvalid", deepError.ErrorId);
        Assert.Contains($"{deep}:9: ", deepError.Message, StringComparison.Ordinal);
        Assert.Contains("nested more than", deepError.Message, StringComparison.Ordinal);
        Assert.Equal("TrainingPlanInvalid", bigError.ErrorId);
        Assert.Contains("1 MiB", bigError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_keeps_the_module_s_not_found_error()
    {
        var error = Assert.Throws<Engine.Configuration.ConfigException>(() => TrainingPlanReader.Load(Path.Combine(_root, "nope.yaml")));

        Assert.Equal("ConfigFileNotFound", error.ErrorId);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
