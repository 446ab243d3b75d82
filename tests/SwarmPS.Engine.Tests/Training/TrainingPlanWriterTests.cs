using SwarmPS.Engine.Tests.Trainer;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// TrainingPlanWriter on real files: what it writes the reader reads to the same plan and digest, the base
/// digest is the file's, the base path is relative under the plan's folder, a bad value is the reader's
/// TrainingPlanInvalid naming the field with nothing written, and an existing file is kept unless forced.
/// </summary>
public sealed class TrainingPlanWriterTests : IClassFixture<TrainerBaseFixture>, IDisposable
{
    private readonly TrainerBaseFixture _base;
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-planwriter-").FullName;

    public TrainingPlanWriterTests(TrainerBaseFixture fixture) => _base = fixture;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainingPlanDraft Draft => new()
    {
        Namespace = "ft-demo",
        CoordinatorSite = "alpha",
        BaseSnapshotPath = _base.BasePath,
        Contributors = new[] { new PlanContributor("c1", "alpha", "dotnet.cpu", "cpu:0", "shard-0"), new PlanContributor("c2", "beta", "pytorch.cpu", "cuda:0", "shard \"1\" # not a comment") },
    };

    [Fact]
    public void A_written_plan_reads_back_as_the_plan_returned_with_the_files_digest()
    {
        var path = Path.Combine(_root, "plan.yaml");

        var written = TrainingPlanWriter.Write(path, Draft with { Rank = 8, Alpha = 0.5, LearningRate = 1e-5, ReplaySample = 0.25, MinimumLossImprovement = 0.125 }, force: false);
        var read = TrainingPlanReader.Load(path);

        Assert.Equal(read.Digest, written.Digest);
        Assert.Equal(_base.BaseDigest, read.BaseSnapshotDigest);
        Assert.Equal((8, 0.5, 1e-5, 0.25, 0.125), (read.Contract.Rank, read.Contract.Alpha, read.LearningRate, read.ReplaySample, read.Gates.MinimumLossImprovement));
        Assert.Equal(Draft.Contributors, read.Contributors);
        // Defaults: every contributor must be accepted, one replay-checked.
        Assert.Equal((2, 1), (read.Gates.MinimumAccepted, read.Gates.MinimumReplayChecked));
        Assert.Equal(_base.BasePath, read.BaseSnapshotPath);
    }

    [Fact]
    public void The_base_path_is_relative_under_the_plans_folder_and_absolute_elsewhere()
    {
        Assert.Equal("./base/base.safetensors", TrainingPlanWriter.SnapshotPathFrom("/p", "/p/base/base.safetensors"));
        Assert.Equal("/q/base.safetensors", TrainingPlanWriter.SnapshotPathFrom("/p", "/q/base.safetensors"));
        Assert.Equal("/base.safetensors", TrainingPlanWriter.SnapshotPathFrom("/p", "/base.safetensors"));
        Assert.Equal("./..x/base.safetensors", TrainingPlanWriter.SnapshotPathFrom("/p", "/p/..x/base.safetensors"));

        // Written beside the fixture's base folder: the plan file says ./base/base.safetensors.
        var path = Path.Combine(_base.Directory, $"plan-{Guid.NewGuid():N}.yaml");
        try
        {
            Assert.Equal("./base/base.safetensors", TrainingPlanWriter.Write(path, Draft, force: false).BaseSnapshotFile);
            Assert.Contains("  path: \"./base/base.safetensors\"\n", File.ReadAllText(path), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("rank", "adapter.rank")]
    [InlineData("learning_rate", "training.learning_rate")]
    [InlineData("nan_norm", "validation.max_update_norm")]
    [InlineData("token", "admission_token_env")]
    [InlineData("min_accepted", "gates.min_accepted")]
    public void A_bad_value_is_the_readers_TrainingPlanInvalid_naming_the_field_and_nothing_is_written(string what, string field)
    {
        var draft = what switch
        {
            "rank" => Draft with { Rank = 0 },
            "learning_rate" => Draft with { LearningRate = 11 },
            "nan_norm" => Draft with { MaxUpdateNorm = double.NaN },
            "token" => Draft with { AdmissionTokenVariable = "s3cr3t-token-value" },
            _ => Draft with { MinimumAccepted = 3 },
        };
        var path = Path.Combine(_root, "bad.yaml");

        var error = Assert.Throws<SwarmException>(() => TrainingPlanWriter.Write(path, draft, force: false));

        Assert.Equal("TrainingPlanInvalid", error.ErrorId);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(path)}:[0-9]+: {System.Text.RegularExpressions.Regex.Escape(field)}:", error.Message);
        Assert.DoesNotContain("s3cr3t", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_root));
    }

    [Fact]
    public void An_existing_file_is_refused_and_kept_unless_forced()
    {
        var path = Path.Combine(_root, "plan.yaml");
        File.WriteAllText(path, "mine\n");

        var error = Assert.Throws<SwarmException>(() => TrainingPlanWriter.Write(path, Draft, force: false));

        Assert.Equal(("TrainingPlanFileExists", SwarmErrorCategory.ResourceExists), (error.ErrorId, error.Category));
        Assert.Contains("-Force", error.Remediation, StringComparison.Ordinal);
        Assert.Equal("mine\n", File.ReadAllText(path));
        Assert.Equal(_base.BaseDigest, TrainingPlanWriter.Write(path, Draft, force: true).BaseSnapshotDigest);
        Assert.Equal("TrainingPlanFileExists", Assert.Throws<SwarmException>(() => TrainingPlanWriter.Write(_root, Draft, force: true)).ErrorId);
    }

    [Fact]
    public void A_base_that_is_not_safetensors_is_refused_by_the_safetensors_reader()
    {
        var error = Assert.Throws<SwarmException>(() => TrainingPlanWriter.Write(Path.Combine(_root, "plan.yaml"), Draft with { BaseSnapshotPath = Path.Combine(_root, "none") }, force: false));

        Assert.Equal("SafetensorsFileNotFound", error.ErrorId);
        Assert.False(File.Exists(Path.Combine(_root, "plan.yaml")));
    }

    [Fact]
    public void Contributor_tables_take_the_five_keys_in_any_case_and_name_an_unknown_or_missing_one()
    {
        var read = PlanContributorEntry.From(new Dictionary<string, object?> { ["ID"] = "c1", ["site"] = "alpha", ["Backend"] = "dotnet.cpu", ["device"] = "cpu:0", ["shard"] = 7 }, 0);
        var unknown = Assert.Throws<SwarmException>(() => PlanContributorEntry.From(new Dictionary<string, object?> { ["id"] = "c1", ["sahrd"] = "x" }, 1));
        var missing = Assert.Throws<SwarmException>(() => PlanContributorEntry.From(new Dictionary<string, object?> { ["id"] = "c1", ["site"] = "alpha" }, 2));

        Assert.Equal(new PlanContributor("c1", "alpha", "dotnet.cpu", "cpu:0", "7"), read);
        Assert.Equal("TrainingPlanContributorInvalid", unknown.ErrorId);
        Assert.Contains("Contributor 2 has the key 'sahrd'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("Contributor 3 has no backend, device, shard.", missing.Message);
    }
}
