using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Publishes a merged adapter as a local snapshot in the Hugging Face PEFT layout, only when the plan's
/// gates hold. The evidence comes from the record, never from the caller's word: the verdicts of the
/// contributions the aggregation merged (accepted, replay-checked) and a held-out evaluation of exactly
/// the merged adapter on the plan's base. Findings that stand against publishing: an aggregation input
/// that is no accepted contribution, a merged file that changed since the merge, an evaluation of another
/// adapter or base. When the decision is Published the snapshot is written to a hidden sibling directory
/// and renamed into place in one step; otherwise nothing is written.
/// </summary>
public static class SnapshotPublisher
{
    public const string AdapterFileName = "adapter_model.safetensors";

    public const string ManifestFileName = "publish_manifest.json";

    public static PublicationReceipt Publish(
        string runId,
        TrainingPlan plan,
        AdapterMergeReceipt aggregation,
        IReadOnlyList<ContributionVerdict> verdicts,
        EvaluationReceipt? evaluation,
        string destination,
        TimeProvider? clock = null)
    {
        var fullDestination = Path.GetFullPath(destination);
        CheckDestination(fullDestination);
        var outputDigest = "sha256:" + aggregation.OutputDigest;
        var evidence = Gather(plan, aggregation, outputDigest, verdicts, evaluation);
        var decision = PublicationDecision.Decide(plan.Gates, evidence);
        var decidedAt = (clock ?? TimeProvider.System).GetUtcNow();
        if (decision.Publish != PublishDisposition.Published)
        {
            return new PublicationReceipt(runId, plan.Digest, outputDigest, evidence, decision, Destination: null, Array.Empty<PublishedFile>(), decidedAt);
        }

        var files = Write(runId, plan, aggregation, outputDigest, verdicts, evaluation!, decision, fullDestination, decidedAt);
        return new PublicationReceipt(runId, plan.Digest, outputDigest, evidence, decision, fullDestination, files, decidedAt);
    }

    /// <summary>A snapshot is never overwritten or merged into: the destination must not exist yet, and its parent must.</summary>
    public static void CheckDestination(string destination)
    {
        if (Directory.Exists(destination) || File.Exists(destination) || new FileInfo(destination).LinkTarget is not null)
        {
            throw new SwarmException("SnapshotDestinationExists",
                $"'{destination}' already exists; a published snapshot is never written over or into another.",
                "Give -Destination a directory that does not exist yet (for example one named after the run).",
                SwarmErrorCategory.ResourceExists, destination);
        }

        if (!Directory.Exists(Path.GetDirectoryName(destination)))
        {
            throw new SwarmException("SnapshotDestinationParentMissing",
                $"The folder that should hold '{destination}' does not exist.",
                "Create the parent folder first, or give -Destination inside an existing one.",
                SwarmErrorCategory.ObjectNotFound, destination);
        }
    }

    private static PublicationEvidence Gather(TrainingPlan plan, AdapterMergeReceipt aggregation, string outputDigest, IReadOnlyList<ContributionVerdict> verdicts, EvaluationReceipt? evaluation)
    {
        var findings = new List<string>();
        var accepted = verdicts.Where(v => v.Verdict == VerdictKind.Accepted).ToList();
        var merged = new List<ContributionVerdict>();
        foreach (var input in aggregation.Inputs)
        {
            var match = accepted.FirstOrDefault(v => v.AdapterDigest == "sha256:" + input.Sha256);
            if (match is null)
            {
                findings.Add($"the aggregation merged {Path.GetFileName(input.Path)} (sha256:{input.Sha256[..12]}…), which is no accepted contribution");
            }
            else
            {
                merged.Add(match);
            }
        }

        if (!File.Exists(aggregation.OutputPath) || DigestOf(aggregation.OutputPath) != outputDigest)
        {
            findings.Add($"the merged adapter {aggregation.OutputPath} is missing or changed since the merge");
        }

        double? baseLoss = null, mergedLoss = null;
        if (evaluation is not null)
        {
            if (evaluation.AdapterDigest != outputDigest)
            {
                findings.Add($"the evaluation is of adapter {evaluation.AdapterDigest}, not of the merged {outputDigest}");
            }
            else if (evaluation.BaseSnapshotDigest != plan.BaseSnapshotDigest)
            {
                findings.Add($"the evaluation used base {evaluation.BaseSnapshotDigest}, the plan's base is {plan.BaseSnapshotDigest}");
            }
            else
            {
                (baseLoss, mergedLoss) = (evaluation.BaseLoss, evaluation.AdapterLoss);
            }
        }

        return new PublicationEvidence
        {
            Accepted = merged.Select(v => v.Contributor).Distinct(StringComparer.Ordinal).Count(),
            ReplayChecked = merged.Where(v => v.ReplayChecked).Select(v => v.Contributor).Distinct(StringComparer.Ordinal).Count(),
            ValidatorFindings = findings,
            BaseHeldOutLoss = baseLoss,
            MergedHeldOutLoss = mergedLoss,
        };
    }

    private static IReadOnlyList<PublishedFile> Write(
        string runId, TrainingPlan plan, AdapterMergeReceipt aggregation, string outputDigest, IReadOnlyList<ContributionVerdict> verdicts,
        EvaluationReceipt evaluation, PublicationDecision decision, string destination, DateTimeOffset publishedAt)
    {
        var staging = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Environment.ProcessId}.{Guid.NewGuid():N}{AtomicFile.TemporarySuffix}");
        OwnerOnly.CreateDirectory(staging);
        try
        {
            var adapter = Path.Combine(staging, AdapterFileName);
            AtomicFile.Write(adapter, target =>
            {
                using var source = File.OpenRead(aggregation.OutputPath);
                source.CopyTo(target);
            }, durable: true);
            if (DigestOf(adapter) != outputDigest)
            {
                throw new SwarmException("SnapshotAdapterChanged",
                    $"The merged adapter {aggregation.OutputPath} changed while it was copied into the snapshot.",
                    "Merge again and publish the new receipt; nothing was published.",
                    SwarmErrorCategory.InvalidData, aggregation.OutputPath);
            }

            var config = Path.Combine(staging, PeftAdapterConfig.FileName);
            AtomicFile.WriteAllText(config, CanonicalJson.SerializeIndented(PeftAdapterConfig.For(plan)), durable: true);
            var files = new List<PublishedFile> { Describe(adapter), Describe(config) };
            var manifest = Path.Combine(staging, ManifestFileName);
            AtomicFile.WriteAllText(manifest, CanonicalJson.SerializeIndented(
                ManifestOf(runId, plan, aggregation, outputDigest, verdicts, evaluation, decision, files, publishedAt)), durable: true);
            files.Add(Describe(manifest));
            DirectorySync.Flush(staging);
            Directory.Move(staging, destination);
            DirectorySync.Flush(Path.GetDirectoryName(destination)!);
            return files;
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Every digest a reader needs to trust the snapshot without SwarmPS: plan, base, inputs, output, evaluation, files.</summary>
    private static Dictionary<string, object?> ManifestOf(
        string runId, TrainingPlan plan, AdapterMergeReceipt aggregation, string outputDigest, IReadOnlyList<ContributionVerdict> verdicts,
        EvaluationReceipt evaluation, PublicationDecision decision, IReadOnlyList<PublishedFile> files, DateTimeOffset publishedAt) => new(StringComparer.Ordinal)
    {
        ["schema_version"] = 1,
        ["run_id"] = runId,
        ["plan_digest"] = plan.Digest,
        ["base_snapshot_digest"] = plan.BaseSnapshotDigest,
        ["published_at"] = TrainingDocuments.Time(publishedAt),
        ["aggregation"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["method"] = aggregation.Method.ToString(),
            ["output_digest"] = outputDigest,
            ["relative_error"] = aggregation.RelativeError,
            ["inputs"] = aggregation.Inputs.Select(input => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["digest"] = "sha256:" + input.Sha256,
                ["weight"] = input.Weight,
                ["contributor"] = verdicts.FirstOrDefault(v => v.AdapterDigest == "sha256:" + input.Sha256)?.Contributor,
            }).ToList(),
        },
        ["contributions"] = verdicts.OrderBy(v => v.Contributor, StringComparer.Ordinal).Select(v => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["contributor"] = v.Contributor,
            ["manifest_digest"] = v.ManifestDigest,
            ["adapter_digest"] = v.AdapterDigest,
            ["backend"] = v.Backend,
            ["verdict"] = v.Verdict.ToString(),
            ["replay_checked"] = v.ReplayChecked,
        }).ToList(),
        ["evaluation"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["held_out_shard"] = evaluation.HeldOutShard,
            ["backend"] = evaluation.Backend,
            ["base_loss"] = evaluation.BaseLoss,
            ["adapter_loss"] = evaluation.AdapterLoss,
        },
        ["decision"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["merge"] = decision.Merge.ToString(),
            ["publish"] = decision.Publish.ToString(),
            ["promotion"] = decision.Promotion.ToString(),
            ["result"] = decision.Result.ToString(),
        },
        ["files"] = files.ToDictionary(f => f.Name, f => (object?)f.Digest, StringComparer.Ordinal),
    };

    private static PublishedFile Describe(string path) => new(Path.GetFileName(path), DigestOf(path), new FileInfo(path).Length);

    private static string DigestOf(string path)
    {
        using var stream = File.OpenRead(path);
        return BlobDigest.Of(stream).ToString();
    }
}
