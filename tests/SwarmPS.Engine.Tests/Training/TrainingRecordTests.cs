using SwarmPS.Engine.Tests.Ledger;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>The coordinator's record of a run on real files: its layout and modes, the frozen plan, and what it refuses.</summary>
[Collection(UmaskCollection.Name)]
public sealed class TrainingRecordTests : IDisposable
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly byte[] Plan = "{\n  \"namespace\": \"ft\"\n}\n"u8.ToArray();
    private readonly TemporaryRepository _repo = new(git: false);

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void Every_document_lands_where_the_layout_says_owner_only_under_umask_0000()
    {
        using (OwnerOnlyModeTests.LooseUmask())
        {
            var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
            record.FreezePlan(Plan, ContributionManifestJson.DigestOf(Plan));
            record.SaveManifest("contrib-a", "{}\n"u8.ToArray());
            var written = new[]
            {
                record.SaveVerdict(TrainingSamples.Verdict()),
                record.SaveReplay(TrainingSamples.Replay()),
                record.SaveEvaluation(TrainingSamples.Evaluation()),
                record.SaveAggregation(TrainingSamples.Aggregation(new string('a', 64))),
                record.SavePublication(TrainingSamples.Publication(PublishDisposition.Refused, TrainingSamples.Digest('c'))),
            };

            var root = Path.Combine(_repo.Root, ".swarm", "training", TrainingSamples.RunId);
            Assert.Equal(root, record.Root);
            Assert.Equal(
                new[] { "verdicts/contrib-a.json", "replays/contrib-a.json", $"evaluations/{new string('c', 64)}.json", $"aggregations/{new string('c', 64)}.json", $"publications/20261201T093000125Z-{new string('c', 12)}.json" },
                written.Select(path => Path.GetRelativePath(root, path)));
            var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList();
            Assert.Equal(7, files.Count); // plan, manifest and the five documents: no temporary file left behind
            Assert.All(files, file => Assert.Equal((file, File600), (file, File.GetUnixFileMode(file))));
            Assert.All(Directory.EnumerateDirectories(Path.Combine(_repo.Root, ".swarm"), "*", SearchOption.AllDirectories).Append(Path.Combine(_repo.Root, ".swarm")),
                directory => Assert.Equal((directory, Directory700), (directory, File.GetUnixFileMode(directory))));
            Assert.Equal("{}\n", File.ReadAllText(record.ManifestPath("contrib-a")));
            Assert.Equal(Path.Combine(root, "contributions", "contrib-a", "adapter.safetensors"), record.AdapterPath("contrib-a"));
            var arriving = record.ContributionDirectory("contrib-b"); // made for an adapter that arrives before its manifest
            Assert.Equal(Path.Combine(root, "contributions", "contrib-b"), arriving);
            Assert.Equal(Directory700, File.GetUnixFileMode(arriving));
        }
    }

    [Fact]
    public void Saved_documents_read_back_and_the_latest_verdict_replaces_the_earlier()
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        record.SaveVerdict(TrainingSamples.Verdict("contrib-b", VerdictKind.ReplayRequired));
        record.SaveVerdict(TrainingSamples.Verdict("contrib-a", VerdictKind.ReplayRequired));
        record.SaveVerdict(TrainingSamples.Verdict("contrib-a", VerdictKind.Accepted));
        record.SaveReplay(TrainingSamples.Replay());
        record.SaveEvaluation(TrainingSamples.Evaluation());

        Assert.Equal(new[] { ("contrib-a", VerdictKind.Accepted), ("contrib-b", VerdictKind.ReplayRequired) }, record.ReadVerdicts().Select(v => (v.Contributor, v.Verdict)));
        Assert.Equal(ReplayMatch.WithinTolerance, record.ReadReplay("contrib-a")!.Match);
        Assert.Null(record.ReadReplay("contrib-b"));
        Assert.Equal(TrainingSamples.Evaluation(), record.ReadEvaluation(TrainingSamples.Digest('c')));
        Assert.Equal(TrainingSamples.Evaluation(), record.ReadEvaluation(new string('c', 64)));
        Assert.Null(record.ReadEvaluation(TrainingSamples.Digest('0')));
    }

    [Fact]
    public void The_plan_is_frozen_at_first_use_and_another_plan_is_drift()
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        Assert.Null(record.ReadPlan());
        Assert.Null(record.PlanDigest);
        var digest = ContributionManifestJson.DigestOf(Plan);
        record.FreezePlan(Plan, digest);
        record.FreezePlan(Plan, digest); // the same plan again changes nothing

        Assert.Equal(Plan, record.ReadPlan());
        Assert.Equal(digest, record.PlanDigest);
        var other = "{\n  \"namespace\": \"other\"\n}\n"u8.ToArray();
        var drift = Assert.Throws<SwarmException>(() => TrainingRecord.Open(_repo.Root, TrainingSamples.RunId).FreezePlan(other, ContributionManifestJson.DigestOf(other)));
        Assert.Equal("TrainingPlanDrift", drift.ErrorId);
        Assert.Contains(digest, drift.Message);
        Assert.Contains(ContributionManifestJson.DigestOf(other), drift.Message);
        Assert.Contains("new run id", drift.Remediation);
        Assert.Equal(Plan, record.ReadPlan());
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("Upper")]
    [InlineData("")]
    public void A_run_id_that_is_not_a_safe_name_is_refused(string runId)
    {
        Assert.Equal("TrainingRunIdInvalid", Assert.Throws<SwarmException>(() => TrainingRecord.Open(_repo.Root, runId)).ErrorId);
        Assert.False(Directory.Exists(Path.Combine(_repo.Root, ".swarm", "training")));
    }

    [Theory]
    [InlineData("../b")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    public void A_contributor_that_is_not_a_safe_name_is_refused(string contributor)
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        Assert.Equal("TrainingContributorInvalid", Assert.Throws<SwarmException>(() => record.SaveManifest(contributor, "{}"u8.ToArray())).ErrorId);
        Assert.Equal("TrainingContributorInvalid", Assert.Throws<SwarmException>(() => record.SaveVerdict(TrainingSamples.Verdict(contributor))).ErrorId);
    }

    [Fact]
    public void A_link_where_a_record_directory_or_file_belongs_is_refused_and_nothing_is_written_through_it()
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        var elsewhere = Directory.CreateTempSubdirectory("swarmps-elsewhere-").FullName;
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(record.Root, "verdicts"), elsewhere);
            var directory = Assert.Throws<SwarmException>(() => record.SaveVerdict(TrainingSamples.Verdict()));
            Assert.Equal("TrainingRecordRefused", directory.ErrorId);
            Assert.Contains("symbolic link", directory.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));

            var target = Path.Combine(elsewhere, "plan-target.json");
            File.WriteAllText(target, "theirs");
            File.CreateSymbolicLink(Path.Combine(record.Root, TrainingRecord.PlanFileName), target);
            Assert.Equal("TrainingRecordRefused", Assert.Throws<SwarmException>(() => record.FreezePlan(Plan, ContributionManifestJson.DigestOf(Plan))).ErrorId);
            Assert.Equal("TrainingRecordRefused", Assert.Throws<SwarmException>(() => record.ReadPlan()).ErrorId);
            Assert.Equal("theirs", File.ReadAllText(target));

            Directory.CreateSymbolicLink(Path.Combine(_repo.Root, ".swarm", "training", "linked-run"), elsewhere);
            Assert.Equal("TrainingRecordRefused", Assert.Throws<SwarmException>(() => TrainingRecord.Open(_repo.Root, "linked-run")).ErrorId);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public void A_fifo_where_a_document_belongs_is_refused_not_read_or_replaced()
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        Directory.CreateDirectory(Path.Combine(record.Root, "replays"));
        var fifo = Path.Combine(record.Root, "replays", "contrib-a.json");
        HostileLedgerFileTests.MakeFifo(fifo);

        Assert.Equal("TrainingRecordRefused", Assert.Throws<SwarmException>(() => record.ReadReplay("contrib-a")).ErrorId);
        Assert.Equal("TrainingRecordRefused", Assert.Throws<SwarmException>(() => record.SaveReplay(TrainingSamples.Replay())).ErrorId);
    }

    [Fact]
    public void A_damaged_verdict_in_the_record_is_a_document_error_naming_the_file()
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        var path = record.SaveVerdict(TrainingSamples.Verdict());
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"Accepted\"", "\"Approved\""));

        var error = Assert.Throws<SwarmException>(() => record.ReadVerdicts());
        Assert.Equal("TrainingDocumentInvalid", error.ErrorId);
        Assert.Contains(path, error.Message);
        Assert.Contains("'verdict'", error.Message);
    }
}
