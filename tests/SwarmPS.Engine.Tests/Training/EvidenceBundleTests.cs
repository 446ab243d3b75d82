using SwarmPS.Engine.Tests.Ledger;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>A run's record exported as a bundle and checked: clean passes, each tampering fails its named check, and a bundle never claims what it lacks.</summary>
public sealed class EvidenceBundleTests : IDisposable
{
    private static readonly byte[] Plan = "{\n  \"namespace\": \"ft\"\n}\n"u8.ToArray();
    private static readonly byte[] Manifest = "{\n  \"contributor\": \"contrib-a\"\n}\n"u8.ToArray();
    private static readonly byte[] Merged = "merged adapter bytes"u8.ToArray();
    private readonly TemporaryRepository _repo = new(git: false);
    private readonly string _bundle;
    private readonly string _published;

    public EvidenceBundleTests()
    {
        _bundle = Path.Combine(_repo.Root, "bundle");
        _published = Path.Combine(_repo.Root, "published");
    }

    public void Dispose() => _repo.Dispose();

    private static string MergedDigest => ContributionManifestJson.DigestOf(Merged);

    /// <summary>A run with one accepted contribution, its merge, and a publication that published (or refused).</summary>
    private TrainingRecord Record(bool published)
    {
        var record = TrainingRecord.Open(_repo.Root, TrainingSamples.RunId);
        record.FreezePlan(Plan, ContributionManifestJson.DigestOf(Plan));
        record.SaveManifest("contrib-a", Manifest);
        record.SaveVerdict(TrainingSamples.Verdict(manifestDigest: ContributionManifestJson.DigestOf(Manifest)));
        record.SaveReplay(TrainingSamples.Replay());
        record.SaveAggregation(TrainingSamples.Aggregation(new string('a', 64)) with { OutputDigest = TrainingDigest.Hex(MergedDigest) });
        if (published)
        {
            Directory.CreateDirectory(_published);
            File.WriteAllBytes(Path.Combine(_published, "adapter_model.safetensors"), Merged);
            record.SavePublication(TrainingSamples.Publication(PublishDisposition.Published, MergedDigest,
                new[] { new PublishedFile("adapter_model.safetensors", MergedDigest, Merged.Length) }, _published));
        }
        else
        {
            record.SavePublication(TrainingSamples.Publication(PublishDisposition.Refused, MergedDigest));
        }

        return record;
    }

    [Fact]
    public void A_published_run_exports_a_bundle_that_passes_every_check()
    {
        Record(published: true);
        Directory.CreateDirectory(Path.Combine(_repo.Root, ".swarm", "training", TrainingSamples.RunId, "drills"));
        File.WriteAllText(Path.Combine(_repo.Root, ".swarm", "training", TrainingSamples.RunId, "drills", "kill-one.json"), "{}\n");

        var result = EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);
        var report = EvidenceVerifier.Verify(_bundle);

        Assert.Empty(result.Problems);
        Assert.Equal(ContributionManifestJson.DigestOf(Plan), result.PlanDigest);
        var names = Directory.EnumerateFiles(_bundle, "*", SearchOption.AllDirectories).Select(path => Path.GetRelativePath(_bundle, path)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(result.Files + 1, names.Count); // and index.json
        Assert.Contains("manifests/contrib-a.json", names);
        Assert.Contains("drills/kill-one.json", names);
        Assert.Contains(names, name => name.StartsWith("snapshots/20261201T093000125Z-", StringComparison.Ordinal) && name.EndsWith("/adapter_model.safetensors", StringComparison.Ordinal));
        Assert.DoesNotContain(names, name => name.Contains("adapter.safetensors", StringComparison.Ordinal));
        Assert.True(report.Passed, string.Join("\n", report.Problems));
        Assert.Equal(1, report.Published);
        Assert.Equal(TrainingSamples.RunId, report.RunId);
        Assert.Equal(new[] { "accepted_verdict", "aggregation_inputs", "document_names", "documents", "index", "plan_digest", "published_snapshot" },
            report.Checks.Select(c => c.Name).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_refused_run_passes_saying_nothing_published_and_a_snapshot_planted_in_it_fails()
    {
        Record(published: false);
        EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);

        var clean = EvidenceVerifier.Verify(_bundle);
        Assert.True(clean.Passed, string.Join("\n", clean.Problems));
        Assert.StartsWith("nothing published", clean.Summary);
        Assert.Contains(clean.Checks, c => c.Name == "published_snapshot" && c.Passed && c.Detail.StartsWith("nothing published", StringComparison.Ordinal));

        var stem = Path.GetFileNameWithoutExtension(Directory.EnumerateFiles(Path.Combine(_bundle, "publications")).Single());
        Directory.CreateDirectory(Path.Combine(_bundle, "snapshots", stem));
        File.WriteAllBytes(Path.Combine(_bundle, "snapshots", stem, "adapter_model.safetensors"), Merged);
        EvidenceIndex.Write(_bundle); // an author who re-indexes: the digests hold, the invariant does not

        var planted = EvidenceVerifier.Verify(_bundle);
        Assert.False(planted.Passed);
        Assert.Contains(planted.Checks, c => c.Name == "unpublished_snapshot" && !c.Passed);
    }

    [Fact]
    public void A_changed_verdict_fails_the_index_and_an_unparsable_one_is_a_document_problem_not_a_crash()
    {
        Record(published: true);
        EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);
        var verdict = Path.Combine(_bundle, "verdicts", "contrib-a.json");
        File.WriteAllText(verdict, File.ReadAllText(verdict).Replace("\"Accepted\"", "\"Accepted\" ,"));

        var report = EvidenceVerifier.Verify(_bundle);

        Assert.False(report.Passed);
        Assert.Contains(report.Checks, c => c.Name == "index" && !c.Passed && c.Detail.Contains("verdicts/contrib-a.json", StringComparison.Ordinal));
        Assert.Contains(report.Checks, c => c.Name == "documents" && !c.Passed && c.Detail.Contains("verdicts/contrib-a.json", StringComparison.Ordinal));
        // Without its accepted verdict, the merge of its adapter is no longer backed by one.
        Assert.Contains(report.Checks, c => c.Name == "aggregation_inputs" && !c.Passed);
    }

    [Fact]
    public void A_published_file_changed_since_publication_is_an_export_problem_and_fails_the_bundle()
    {
        Record(published: true);
        File.WriteAllBytes(Path.Combine(_published, "adapter_model.safetensors"), "another adapter"u8.ToArray());

        var result = EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);

        Assert.Contains("adapter_model.safetensors", Assert.Single(result.Problems));
        var report = EvidenceVerifier.Verify(_bundle);
        Assert.Contains(report.Checks, c => c.Name == "published_snapshot" && !c.Passed);
        Assert.DoesNotContain("each checked", report.Summary);
    }

    [Fact]
    public void A_linked_document_and_a_fifo_in_a_snapshot_are_failed_checks_never_followed_or_read()
    {
        Record(published: true);
        EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);
        var verdict = Path.Combine(_bundle, "verdicts", "contrib-a.json");
        var elsewhere = Path.Combine(_repo.Root, "elsewhere.json");
        File.Move(verdict, elsewhere);
        File.CreateSymbolicLink(verdict, elsewhere);
        var snapshot = Directory.EnumerateDirectories(Path.Combine(_bundle, "snapshots")).Single();
        File.Delete(Path.Combine(snapshot, "adapter_model.safetensors"));
        HostileLedgerFileTests.MakeFifo(Path.Combine(snapshot, "adapter_model.safetensors"));

        var report = EvidenceVerifier.Verify(_bundle);

        Assert.False(report.Passed);
        Assert.Contains(report.Checks, c => c.Name == "documents" && !c.Passed && c.Detail.Contains("symbolic link", StringComparison.Ordinal));
        Assert.Contains(report.Checks, c => c.Name == "published_snapshot" && !c.Passed && c.Detail.Contains("adapter_model.safetensors is missing", StringComparison.Ordinal));
        Assert.Contains(report.Checks, c => c.Name == "index" && !c.Passed);
    }

    [Fact]
    public void A_non_empty_destination_is_refused_unless_Force_and_Force_never_removes_a_foreign_file()
    {
        Record(published: false);
        EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false);

        var refused = Assert.Throws<SwarmException>(() => EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: false));
        Assert.Equal("EvidenceDestinationNotEmpty", refused.ErrorId);
        Assert.Contains("-Force", refused.Remediation);

        EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: true);
        Assert.True(EvidenceVerifier.Verify(_bundle).Passed);

        File.WriteAllText(Path.Combine(_bundle, "notes.txt"), "mine");
        var foreign = Assert.Throws<SwarmException>(() => EvidenceExport.Export(_repo.Root, TrainingSamples.RunId, _bundle, force: true));
        Assert.Contains("notes.txt", foreign.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_bundle, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(_bundle, "index.json")));
    }

    [Fact]
    public void A_run_without_a_record_is_not_found_naming_where_it_looked()
    {
        var error = Assert.Throws<SwarmException>(() => EvidenceExport.Export(_repo.Root, "no-such-run", _bundle, force: false));

        Assert.Equal("TrainingRunNotFound", error.ErrorId);
        Assert.Contains(Path.Combine(".swarm", "training", "no-such-run"), error.Message);
        Assert.False(Directory.Exists(_bundle));
    }
}
