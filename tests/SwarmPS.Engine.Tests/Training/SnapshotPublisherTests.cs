using System.Text.Json;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Publication of a real merge of two real contributions: under holding gates the PEFT layout is written
/// whole, with every digest; under any failing gate the receipt says why and the destination does not
/// exist afterwards; the evidence is taken from the verdicts and the evaluation, so an input that was not
/// accepted, a merged file changed after the merge, or an evaluation of another adapter stand against it.
/// </summary>
public sealed class SnapshotPublisherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-publish-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Destination => Path.Combine(_directory, "snapshot");

    [Fact]
    public void When_every_gate_holds_the_snapshot_is_written_in_the_PEFT_layout_with_every_digest()
    {
        var (aggregation, verdicts) = MergeTwo();

        var receipt = SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, Evaluation(aggregation), Destination);

        Assert.True(receipt.Publish == PublishDisposition.Published, string.Join("; ", receipt.Reasons));
        Assert.Equal(ResultClassification.BoundedSuccess, receipt.Decision.Result);
        Assert.Equal(Destination, receipt.Destination);
        Assert.Equal(new[] { "adapter_config.json", "adapter_model.safetensors", "publish_manifest.json" },
            Directory.GetFiles(Destination).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "adapter_model.safetensors", "adapter_config.json", "publish_manifest.json" }, receipt.Files.Select(f => f.Name));
        foreach (var file in receipt.Files)
        {
            Assert.Equal(file.Digest, DigestOf(Path.Combine(Destination, file.Name)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Destination, file.Name)));
        }

        Assert.Equal("sha256:" + aggregation.OutputDigest, receipt.AggregationOutputDigest);
        Assert.Equal(receipt.AggregationOutputDigest, DigestOf(Path.Combine(Destination, "adapter_model.safetensors")));
        Assert.Equal(2, receipt.Evidence.Accepted);
        Assert.Equal(1, receipt.Evidence.ReplayChecked);
        Assert.Single(Directory.GetFileSystemEntries(_directory, "*snapshot*"));

        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Destination, "adapter_config.json")));
        Assert.Equal("LORA", config.RootElement.GetProperty("peft_type").GetString());
        Assert.Equal(LoraSamples.Rank, config.RootElement.GetProperty("r").GetInt32());
        Assert.Equal(LoraSamples.Contract.Alpha, config.RootElement.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(new[] { "q_proj", "lm_head" }, config.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Destination, "publish_manifest.json")));
        var root = manifest.RootElement;
        Assert.Equal(Plan().Digest, root.GetProperty("plan_digest").GetString());
        Assert.Equal(receipt.AggregationOutputDigest, root.GetProperty("aggregation").GetProperty("output_digest").GetString());
        Assert.Equal(receipt.Files[0].Digest, root.GetProperty("files").GetProperty("adapter_model.safetensors").GetString());
        Assert.Equal(receipt.Files[1].Digest, root.GetProperty("files").GetProperty("adapter_config.json").GetString());
        Assert.Equal(verdicts.Select(v => v.ManifestDigest).Order(StringComparer.Ordinal),
            root.GetProperty("contributions").EnumerateArray().Select(c => c.GetProperty("manifest_digest").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Too_few_replay_checked_contributions_is_Held_and_nothing_is_written()
    {
        var (aggregation, verdicts) = MergeTwo();

        var receipt = SnapshotPublisher.Publish("ft-007", Plan(new PublicationGates { MinimumAccepted = 2, MinimumReplayChecked = 2 }), aggregation, verdicts, Evaluation(aggregation), Destination);

        Assert.Equal(PublishDisposition.Refused, receipt.Publish);
        Assert.True(receipt.Decision.Held);
        Assert.Equal("1 contribution(s) checked by replay, the plan asks for at least 2", Assert.Single(receipt.Reasons));
        AssertNothingWritten(receipt);
    }

    [Fact]
    public void Without_an_evaluation_the_held_out_gate_does_not_hold()
    {
        var (aggregation, verdicts) = MergeTwo();

        var receipt = SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, evaluation: null, Destination);

        Assert.Equal(PublishDisposition.Refused, receipt.Publish);
        Assert.False(receipt.Decision.Held);
        Assert.Equal("the held-out loss of the base and of the merged adapter was not measured", Assert.Single(receipt.Reasons));
        AssertNothingWritten(receipt);
    }

    [Fact]
    public void A_merged_adapter_no_better_than_the_base_by_the_margin_is_Refused()
    {
        var (aggregation, verdicts) = MergeTwo();
        var evaluation = Evaluation(aggregation) with { BaseLoss = 2.0, AdapterLoss = 1.95 };

        var receipt = SnapshotPublisher.Publish("ft-007", Plan(new PublicationGates { MinimumLossImprovement = 0.1 }), aggregation, verdicts, evaluation, Destination);

        Assert.Equal(PublishDisposition.Refused, receipt.Publish);
        Assert.Contains("is not better than the base's 2 by the plan's margin 0.1", Assert.Single(receipt.Reasons), StringComparison.Ordinal);
        AssertNothingWritten(receipt);
    }

    [Fact]
    public void An_aggregation_input_that_was_not_accepted_stands_against_publishing()
    {
        var (aggregation, verdicts) = MergeTwo();
        var rejected = verdicts.Select(v => v.Contributor == "contrib-b" ? v with { Verdict = VerdictKind.Rejected } : v).ToList();

        var receipt = SnapshotPublisher.Publish("ft-007", Plan(new PublicationGates { MinimumAccepted = 1, MinimumReplayChecked = 0 }), aggregation, rejected, Evaluation(aggregation), Destination);

        Assert.Equal(PublishDisposition.Refused, receipt.Publish);
        Assert.Equal(1, receipt.Evidence.Accepted);
        Assert.Contains(receipt.Reasons, reason => reason.Contains("which is no accepted contribution", StringComparison.Ordinal));
        AssertNothingWritten(receipt);
    }

    [Fact]
    public void A_merged_file_changed_after_the_merge_or_an_evaluation_of_another_adapter_stands_against_publishing()
    {
        var (aggregation, verdicts) = MergeTwo();
        var otherEvaluation = Evaluation(aggregation) with { AdapterDigest = "sha256:" + new string('e', 64) };

        var misEvaluated = SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, otherEvaluation, Destination);
        File.AppendAllText(aggregation.OutputPath, "x");
        var changed = SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, Evaluation(aggregation), Destination);

        Assert.Contains(misEvaluated.Reasons, reason => reason.StartsWith("validator finding: the evaluation is of adapter sha256:eeee", StringComparison.Ordinal));
        Assert.Contains(changed.Reasons, reason => reason.Contains("is missing or changed since the merge", StringComparison.Ordinal));
        AssertNothingWritten(changed);
    }

    [Fact]
    public void An_existing_destination_or_a_missing_parent_is_refused_before_anything_is_decided()
    {
        var (aggregation, verdicts) = MergeTwo();
        Directory.CreateDirectory(Destination);

        var exists = Assert.Throws<SwarmException>(() => SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, Evaluation(aggregation), Destination));
        var orphan = Assert.Throws<SwarmException>(() => SnapshotPublisher.Publish("ft-007", Plan(), aggregation, verdicts, Evaluation(aggregation), Path.Combine(_directory, "no", "snapshot")));

        Assert.Equal("SnapshotDestinationExists", exists.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(Destination));
        Assert.Equal("SnapshotDestinationParentMissing", orphan.ErrorId);
    }

    private static TrainingPlan Plan(PublicationGates? gates = null) => LoraSamples.Plan(gates ?? new PublicationGates { MinimumAccepted = 2, MinimumReplayChecked = 1 });

    /// <summary>Two accepted contributions (a replay-checked), merged by FedAvg into one adapter.</summary>
    private (AdapterMergeReceipt Aggregation, IReadOnlyList<ContributionVerdict> Verdicts) MergeTwo()
    {
        var verdicts = new List<ContributionVerdict>();
        foreach (var (contributor, seed) in new[] { ("contrib-a", 1), ("contrib-b", 2) })
        {
            var (path, manifest) = LoraSamples.Write(_directory, LoraSamples.Factors(seed), contributor: contributor);
            var verdict = ContributionValidator.Validate(manifest, path, manifest.AdapterDigest, LoraSamples.Plan().ValidationRules);
            Assert.Equal(VerdictKind.Accepted, verdict.Verdict);
            verdicts.Add(verdict with { ReplayChecked = contributor == "contrib-a" });
        }

        var merged = Path.Combine(_directory, "merged.safetensors");
        var aggregation = AdapterMerge.Merge(verdicts.Select(v => v.AdapterPath).ToArray(), verdicts.Select(v => (double)v.ExampleCount).ToArray(), AggregationMethod.FedAvg, merged);
        return (aggregation, verdicts);
    }

    private static EvaluationReceipt Evaluation(AdapterMergeReceipt aggregation) =>
        new("sha256:" + aggregation.OutputDigest, LoraSamples.BaseDigest, "held-out", BaseLoss: 2.0, AdapterLoss: 1.5, Backend: "dotnet.cpu");

    private void AssertNothingWritten(PublicationReceipt receipt)
    {
        Assert.Null(receipt.Destination);
        Assert.Empty(receipt.Files);
        Assert.False(Directory.Exists(Destination));
        Assert.Empty(Directory.GetFileSystemEntries(_directory, ".snapshot*"));
    }

    private static string DigestOf(string path)
    {
        using var stream = File.OpenRead(path);
        return BlobDigest.Of(stream).ToString();
    }
}
