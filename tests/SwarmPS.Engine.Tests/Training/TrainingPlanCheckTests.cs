using SwarmPS.Engine.Tests.Trainer;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// TrainingPlanCheck on real files: a base written by the dotnet.cpu trainer (base_seed 1), the shipped corpus,
/// the built module's bin/trainer, and real processes standing in for python (a missing program, a shell that
/// cannot run 'import torch'). Each check gives its code, severity and remediation; a ready plan gives none.
/// </summary>
public sealed class TrainingPlanCheckTests : IClassFixture<TrainerBaseFixture>, IDisposable
{
    private static readonly PlanContributor Alpha = new("c1", "alpha", "dotnet.cpu", "cpu:0", "shard-0");

    private readonly TrainerBaseFixture _base;
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-plancheck-").FullName;

    public TrainingPlanCheckTests(TrainerBaseFixture fixture) => _base = fixture;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainingPlanCheckOptions Options => new()
    {
        DataDirectory = Path.Combine(RepositoryRoot.Path, "examples", "training", "corpus"),
        TrainerDirectory = Path.Combine(RepositoryRoot.Path, "bin", "trainer"),
        Environment = name => name == "SWARM_TRAINING_TOKEN" ? "a-token-value" : null,
    };

    private TrainingPlan Plan(params PlanContributor[] contributors) => TrainingPlanWriter.Write(
        Path.Combine(_root, $"plan-{Guid.NewGuid():N}.yaml"),
        new TrainingPlanDraft
        {
            Namespace = "ft-demo",
            CoordinatorSite = "alpha",
            BaseSnapshotPath = _base.BasePath,
            Contributors = contributors.Length == 0 ? new[] { Alpha } : contributors,
        },
        force: false);

    private static IReadOnlyList<TrainingPlanFinding> Check(TrainingPlan plan, TrainingPlanCheckOptions options) =>
        TrainingPlanCheck.CheckAsync(plan, options).GetAwaiter().GetResult();

    [Fact]
    public void The_trainers_base_is_the_layout_the_check_holds_bases_to()
    {
        using var file = SafetensorsFile.Open(_base.BasePath);

        Assert.Empty(BaseSnapshotLayout.Differences(file));
        Assert.Equal(BaseSnapshotLayout.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_plan_whose_base_shards_token_and_trainer_are_here_has_no_findings()
    {
        Assert.Empty(Check(Plan(), Options));
    }

    [Fact]
    public void A_base_with_another_digest_is_BaseSnapshotDigestMismatch_naming_both()
    {
        var plan = Plan() with { BaseSnapshotDigest = "sha256:" + new string('0', 64) };

        var finding = Assert.Single(Check(plan, Options));

        Assert.Equal(("BaseSnapshotDigestMismatch", FindingSeverity.Error), (finding.Code, finding.Severity));
        Assert.Contains(_base.BaseDigest, finding.Message, StringComparison.Ordinal);
        Assert.Contains("sha256:" + new string('0', 64), finding.Message, StringComparison.Ordinal);
        Assert.Contains("New-SwarmTrainingPlan", finding.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_base_is_BaseSnapshotNotFound_and_a_folder_BaseSnapshotNotRegular()
    {
        var missing = Check(Plan() with { BaseSnapshotPath = Path.Combine(_root, "none.safetensors") }, Options);
        var folder = Check(Plan() with { BaseSnapshotPath = _root }, Options);

        Assert.Equal("BaseSnapshotNotFound", Assert.Single(missing).Code);
        Assert.Equal("BaseSnapshotNotRegular", Assert.Single(folder).Code);
    }

    [Fact]
    public void A_truncated_base_is_BaseSnapshotUnreadable_with_the_format_error()
    {
        var bytes = File.ReadAllBytes(_base.BasePath);
        var truncated = Path.Combine(_root, "short.safetensors");
        File.WriteAllBytes(truncated, bytes[..^1000]);

        var finding = Assert.Single(Check(Plan() with { BaseSnapshotPath = truncated }, Options));

        Assert.Equal(("BaseSnapshotUnreadable", FindingSeverity.Error), (finding.Code, finding.Severity));
        Assert.Contains("Safetensors", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base_without_the_models_tensors_is_BaseSnapshotLayoutMismatch_unless_the_contract_targets_another_module()
    {
        var other = Path.Combine(_root, "other.safetensors");
        SafetensorsWriter.Write(other, new[] { new TensorToWrite("embed.weight", TensorDType.F16, new long[] { 32, 32 }, new byte[32 * 32 * 2]) });
        using (var file = SafetensorsFile.Open(other))
        {
            var differences = BaseSnapshotLayout.Differences(file);
            Assert.Contains("'embed.weight' is F16 [32, 32], not F32 [32, 32]", differences);
            Assert.Contains("it has no tensor 'lm_head.bias'", differences);
        }

        var plan = Plan() with { BaseSnapshotPath = other, BaseSnapshotDigest = TrainerJobs.Sha256(other) };
        var finding = Assert.Single(Check(plan, Options));
        var elsewhere = plan with { Contract = plan.Contract with { TargetModules = new[] { "q_proj" } } };

        Assert.Equal("BaseSnapshotLayoutMismatch", finding.Code);
        Assert.Empty(Check(elsewhere, Options));
    }

    [Fact]
    public void An_unset_token_variable_is_a_warning_and_a_set_one_is_never_shown()
    {
        var unset = Assert.Single(Check(Plan(), Options with { Environment = _ => null }));
        var empty = Assert.Single(Check(Plan(), Options with { Environment = _ => "" }));
        var mismatch = Check(Plan() with { BaseSnapshotDigest = "sha256:" + new string('0', 64) }, Options);

        Assert.Equal(("AdmissionTokenNotSet", FindingSeverity.Warning, "SWARM_TRAINING_TOKEN"), (unset.Code, unset.Severity, unset.Subject));
        Assert.Contains("export SWARM_TRAINING_TOKEN=", unset.Remediation, StringComparison.Ordinal);
        Assert.Equal("AdmissionTokenNotSet", empty.Code);
        Assert.DoesNotContain(mismatch, f => f.ToString().Contains("a-token-value", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_coordinator_sites_shards_must_be_here_but_any_shard_found_must_be_readable()
    {
        var away = new PlanContributor("c2", "beta", "dotnet.cpu", "cpu:0", "shard-x");
        var mine = Alpha with { DataShard = "shard-9" };
        Directory.CreateDirectory(Path.Combine(_root, "data", "shard-d.txt"));
        File.WriteAllText(Path.Combine(_root, "data", "shard-0.txt"), "a line\n");
        var folderShard = new PlanContributor("c3", "beta", "dotnet.cpu", "cpu:0", "shard-d");

        var findings = Check(Plan(mine, away, folderShard), Options with { DataDirectory = Path.Combine(_root, "data") });

        Assert.Equal(new[] { ("DataShardNotFound", "c1 (shard-9)"), ("DataShardUnreadable", "c3 (shard-d)") }, findings.Select(f => (f.Code, f.Subject)));
        Assert.All(findings, f => Assert.Equal(FindingSeverity.Error, f.Severity));
        Assert.Contains(Path.Combine(_root, "data", "shard-9.txt"), findings[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_id_that_is_a_path_is_DataShardNameInvalid_and_reads_nothing_outside()
    {
        var finding = Assert.Single(Check(Plan(Alpha with { DataShard = "../corpus/shard-0" }), Options));

        Assert.Equal(("DataShardNameInvalid", FindingSeverity.Error), (finding.Code, finding.Severity));
    }

    [Fact]
    public void A_missing_dotnet_trainer_is_TrainerNotFound_an_error_for_this_site_and_a_warning_for_another()
    {
        var options = Options with { TrainerDirectory = Path.Combine(_root, "no-trainer") };

        var here = Assert.Single(Check(Plan(), options));
        var there = Assert.Single(Check(Plan(Alpha with { Site = "beta" }), options));

        Assert.Equal(("TrainerNotFound", FindingSeverity.Error, "dotnet.cpu"), (here.Code, here.Severity, here.Subject));
        Assert.Contains(Path.Combine(_root, "no-trainer", "SwarmPS.Trainer.dll"), here.Message, StringComparison.Ordinal);
        Assert.Equal(("TrainerNotFound", FindingSeverity.Warning), (there.Code, there.Severity));
    }

    [Fact]
    public void A_python_that_cannot_import_torch_is_TrainerUnavailable_saying_why()
    {
        var torch = Alpha with { Backend = "pytorch.cpu" };

        // /bin/sh runs '-c import torch' as a shell command and fails: a real process that exits non-zero.
        var fails = Assert.Single(Check(Plan(torch), Options with { Python = "/bin/sh" }));
        var absent = Assert.Single(Check(Plan(torch), Options with { Python = Path.Combine(_root, "python3") }));
        var none = Assert.Single(Check(Plan(torch), Options with { Python = null }));

        Assert.Equal(("TrainerUnavailable", FindingSeverity.Error, "pytorch.cpu"), (fails.Code, fails.Severity, fails.Subject));
        Assert.Contains("fails", fails.Message, StringComparison.Ordinal);
        Assert.Contains("python3-torch", fails.Remediation, StringComparison.Ordinal);
        Assert.Contains("cannot be started", absent.Message, StringComparison.Ordinal);
        Assert.Contains("no python3 on PATH", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_backend_is_information_pointing_at_the_trainer_contract()
    {
        var finding = Assert.Single(Check(Plan(Alpha, new PlanContributor("c2", "beta", "mlx.metal", "cpu:0", "shard-1")), Options));

        Assert.Equal(("BackendUnknown", FindingSeverity.Information, "mlx.metal"), (finding.Code, finding.Severity, finding.Subject));
        Assert.Contains("docs/trainer-contract.md", finding.Message, StringComparison.Ordinal);
    }
}
