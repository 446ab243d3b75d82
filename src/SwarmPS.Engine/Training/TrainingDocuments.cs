using System.Globalization;
using System.Text;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The JSON form of the coordinator's records (verdicts, replays, evaluations, aggregations, publications):
/// canonical indented JSON of snake_case fields, enums by name, times <c>2026-12-01T09:30:00.000Z</c>,
/// digests <c>sha256:&lt;hex&gt;</c> (the merge receipt's bare hex gains the prefix in the document and
/// loses it on reading). Every document carries <c>schema_version</c>. Reading is hostile-safe
/// (<see cref="TrainingDocumentFields"/>): anything else is <c>TrainingDocumentInvalid</c> naming the file
/// and the field. Paths (a verdict's adapter, a merge's files, a publication's destination) are the
/// coordinator's own, kept as written; in an evidence bundle they are information only.
/// </summary>
public static class TrainingDocuments
{
    public const int SchemaVersion = 1;

    public static byte[] Serialize(ContributionVerdict verdict) => Bytes(new Dictionary<string, object?>
    {
        ["schema_version"] = SchemaVersion,
        ["run_id"] = verdict.RunId,
        ["contributor"] = verdict.Contributor,
        ["manifest_digest"] = verdict.ManifestDigest,
        ["verdict"] = verdict.Verdict.ToString(),
        ["checks"] = verdict.Checks.Select(check => new Dictionary<string, object?>
        {
            ["name"] = check.Name,
            ["passed"] = check.Passed,
            ["detail"] = check.Detail,
        }).ToArray(),
        ["backend"] = verdict.Backend,
        ["adapter_path"] = verdict.AdapterPath,
        ["adapter_digest"] = verdict.AdapterDigest,
        ["example_count"] = verdict.ExampleCount,
        ["replay_checked"] = verdict.ReplayChecked,
    });

    public static ContributionVerdict ParseVerdict(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("schema_version", "run_id", "contributor", "manifest_digest", "verdict", "checks", "backend", "adapter_path", "adapter_digest", "example_count", "replay_checked")
            .Version(SchemaVersion);
        var checks = root.Objects("checks").Select(check =>
        {
            check.Expect("name", "passed", "detail");
            return new ContributionCheck(check.Name("name"), check.Bool("passed"), check.Text("detail"));
        }).ToList();
        var adapterDigest = root.Text("adapter_digest");
        return new ContributionVerdict(root.Name("run_id"), root.Name("contributor"), root.Digest("manifest_digest"), root.Enum<VerdictKind>("verdict"), checks)
        {
            Backend = root.Text("backend"),
            AdapterPath = root.Text("adapter_path"),
            // Empty when the validator never reached the adapter file.
            AdapterDigest = adapterDigest.Length == 0 ? "" : root.Digest("adapter_digest"),
            ExampleCount = root.Long("example_count", 0),
            ReplayChecked = root.Bool("replay_checked"),
        };
    });

    public static byte[] Serialize(ReplayReceipt receipt) => Bytes(new Dictionary<string, object?>
    {
        ["schema_version"] = SchemaVersion,
        ["run_id"] = receipt.RunId,
        ["contributor"] = receipt.Contributor,
        ["contributed_digest"] = receipt.ContributedDigest,
        ["replayed_digest"] = receipt.ReplayedDigest,
        ["contributed_backend"] = receipt.ContributedBackend,
        ["replay_backend"] = receipt.ReplayBackend,
        ["match"] = receipt.Match.ToString(),
        ["max_relative_difference"] = receipt.MaxRelativeDifference,
        ["tolerance"] = receipt.Tolerance,
        ["differences"] = receipt.Differences.ToArray(),
    });

    public static ReplayReceipt ParseReplay(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("schema_version", "run_id", "contributor", "contributed_digest", "replayed_digest", "contributed_backend", "replay_backend", "match",
            "max_relative_difference", "tolerance", "differences").Version(SchemaVersion);
        return new ReplayReceipt(
            root.Name("run_id"), root.Name("contributor"), root.AnyDigest("contributed_digest"), root.AnyDigest("replayed_digest"),
            root.Name("contributed_backend"), root.Name("replay_backend"), root.Enum<ReplayMatch>("match"),
            NonNegative(root, "max_relative_difference"), NonNegative(root, "tolerance"), root.Texts("differences"));
    });

    // The evaluation is the trainer contract's evaluation.json (docs/trainer-contract.md), field for field, so a
    // trainer's file is filed as it is: it has no schema_version of its own.
    public static byte[] Serialize(EvaluationReceipt receipt) => Bytes(new Dictionary<string, object?>
    {
        ["adapter_digest"] = receipt.AdapterDigest,
        ["base_snapshot_digest"] = receipt.BaseSnapshotDigest,
        ["held_out_shard"] = receipt.HeldOutShard,
        ["base_loss"] = receipt.BaseLoss,
        ["adapter_loss"] = receipt.AdapterLoss,
        ["backend"] = receipt.Backend,
    });

    public static EvaluationReceipt ParseEvaluation(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("adapter_digest", "base_snapshot_digest", "held_out_shard", "base_loss", "adapter_loss", "backend");
        return new EvaluationReceipt(root.AnyDigest("adapter_digest"), root.AnyDigest("base_snapshot_digest"), root.Name("held_out_shard"),
            root.Number("base_loss"), root.Number("adapter_loss"), root.Name("backend"));
    });

    public static byte[] Serialize(AdapterMergeReceipt receipt) => Bytes(new Dictionary<string, object?>
    {
        ["schema_version"] = SchemaVersion,
        ["run_id"] = receipt.RunId,
        ["method"] = receipt.Method.ToString(),
        ["inputs"] = receipt.Inputs.Select(input => new Dictionary<string, object?>
        {
            ["path"] = input.Path,
            ["digest"] = Prefixed(input.Sha256),
            ["weight"] = input.Weight,
            ["weight_used"] = input.WeightUsed,
        }).ToArray(),
        ["output_path"] = receipt.OutputPath,
        ["output_digest"] = Prefixed(receipt.OutputDigest),
        ["lora_alpha"] = receipt.LoraAlpha,
        ["aggregation"] = Aggregation(receipt.Aggregation),
    });

    public static AdapterMergeReceipt ParseAggregation(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("schema_version", "run_id", "method", "inputs", "output_path", "output_digest", "lora_alpha", "aggregation").Version(SchemaVersion);
        var inputs = root.Objects("inputs").Select(input =>
        {
            input.Expect("path", "digest", "weight", "weight_used");
            return new AdapterMergeInput(input.Text("path"), input.Hex("digest"), input.Number("weight"), input.Bool("weight_used"));
        }).ToList();
        return new AdapterMergeReceipt(root.Enum<AggregationMethod>("method"), inputs, root.Text("output_path"), root.Hex("output_digest"),
            root.OptionalNumber("lora_alpha"), ParseAggregationReceipt(root.Object("aggregation"))) { RunId = root.OptionalText("run_id") };
    });

    public static byte[] Serialize(PublicationReceipt receipt) => Bytes(new Dictionary<string, object?>
    {
        ["schema_version"] = SchemaVersion,
        ["run_id"] = receipt.RunId,
        ["plan_digest"] = receipt.PlanDigest,
        ["aggregation_output_digest"] = receipt.AggregationOutputDigest,
        ["evidence"] = new Dictionary<string, object?>
        {
            ["accepted"] = receipt.Evidence.Accepted,
            ["replay_checked"] = receipt.Evidence.ReplayChecked,
            ["validator_findings"] = receipt.Evidence.ValidatorFindings.ToArray(),
            ["base_held_out_loss"] = receipt.Evidence.BaseHeldOutLoss,
            ["merged_held_out_loss"] = receipt.Evidence.MergedHeldOutLoss,
        },
        ["decision"] = new Dictionary<string, object?>
        {
            ["merge"] = receipt.Decision.Merge.ToString(),
            ["publish"] = receipt.Decision.Publish.ToString(),
            ["promotion"] = receipt.Decision.Promotion.ToString(),
            ["result"] = receipt.Decision.Result.ToString(),
            ["held"] = receipt.Decision.Held,
            ["reasons"] = receipt.Decision.Reasons.ToArray(),
        },
        ["destination"] = receipt.Destination,
        ["files"] = receipt.Files.Select(file => new Dictionary<string, object?>
        {
            ["name"] = file.Name,
            ["digest"] = file.Digest,
            ["bytes"] = file.Bytes,
        }).ToArray(),
        ["decided_at"] = Time(receipt.DecidedAt),
    });

    public static PublicationReceipt ParsePublication(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("schema_version", "run_id", "plan_digest", "aggregation_output_digest", "evidence", "decision", "destination", "files", "decided_at")
            .Version(SchemaVersion);
        var evidence = root.Object("evidence").Expect("accepted", "replay_checked", "validator_findings", "base_held_out_loss", "merged_held_out_loss");
        var decision = root.Object("decision").Expect("merge", "publish", "promotion", "result", "held", "reasons");
        var files = root.Objects("files").Select(file =>
        {
            file.Expect("name", "digest", "bytes");
            return new PublishedFile(SnapshotFileName(file, "name"), file.AnyDigest("digest"), file.Long("bytes", 0));
        }).ToList();
        return new PublicationReceipt(
            root.Name("run_id"),
            root.AnyDigest("plan_digest"),
            root.AnyDigest("aggregation_output_digest"),
            new PublicationEvidence
            {
                Accepted = evidence.Int("accepted", 0, int.MaxValue),
                ReplayChecked = evidence.Int("replay_checked", 0, int.MaxValue),
                ValidatorFindings = evidence.Texts("validator_findings"),
                BaseHeldOutLoss = evidence.OptionalNumber("base_held_out_loss"),
                MergedHeldOutLoss = evidence.OptionalNumber("merged_held_out_loss"),
            },
            new PublicationDecision(
                decision.Enum<MergeDisposition>("merge"), decision.Enum<PublishDisposition>("publish"), decision.Enum<PromotionDisposition>("promotion"),
                decision.Enum<ResultClassification>("result"), decision.Bool("held"), decision.Texts("reasons")),
            root.OptionalText("destination"),
            files,
            root.Time("decided_at"));
    });

    /// <summary>UTC with milliseconds, the ledger's and the manifests' spelling.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A published file's name is a name in the snapshot directory, never a path: the bundle copies the
    /// file to <c>snapshots/&lt;receipt&gt;/&lt;name&gt;</c>, and a hostile receipt must not name another place.
    /// </summary>
    private static string SnapshotFileName(TrainingDocumentFields file, string field)
    {
        var name = file.Name(field);
        return name is "." or ".." || name.Contains('/') || name.Contains('\\')
            ? throw file.Problem(field, $"'{name}' is not a file name (a name in the snapshot directory, no '/' and not '.' or '..')")
            : name;
    }

    private static Dictionary<string, object?> Aggregation(AggregationReceipt receipt) => new()
    {
        ["method"] = receipt.Method.ToString(),
        ["inputs"] = receipt.Inputs.Select(input => new Dictionary<string, object?>
        {
            ["id"] = input.Id,
            ["digest"] = input.Digest,
            ["weight"] = input.Weight,
            ["weight_used"] = input.WeightUsed,
        }).ToArray(),
        ["outputs"] = receipt.Outputs.Select(output => new Dictionary<string, object?>
        {
            ["name"] = output.Name,
            ["shape"] = output.Shape.ToArray(),
            ["bytes"] = output.Bytes,
            ["digest"] = output.Sha256 is null ? null : Prefixed(output.Sha256),
        }).ToArray(),
        ["trim_fraction"] = receipt.TrimFraction,
        ["trimmed_per_side"] = receipt.TrimmedPerSide,
        ["approximations"] = receipt.Approximations.Select(a => new Dictionary<string, object?>
        {
            ["lora_a"] = a.LoraA,
            ["lora_b"] = a.LoraB,
            ["rank"] = a.Rank,
            ["scale"] = a.Scale,
            ["mean_norm"] = a.MeanNorm,
            ["absolute_error"] = a.AbsoluteError,
            ["relative_error"] = a.RelativeError,
        }).ToArray(),
    };

    private static AggregationReceipt ParseAggregationReceipt(TrainingDocumentFields aggregation)
    {
        aggregation.Expect("method", "inputs", "outputs", "trim_fraction", "trimmed_per_side", "approximations");
        var inputs = aggregation.Objects("inputs").Select(input =>
        {
            input.Expect("id", "digest", "weight", "weight_used");
            return new AggregationReceiptInput(input.Text("id"), input.OptionalAnyDigest("digest"), input.Number("weight"), input.Bool("weight_used"));
        }).ToList();
        var outputs = aggregation.Objects("outputs").Select(output =>
        {
            output.Expect("name", "shape", "bytes", "digest");
            return new AggregationReceiptOutput(output.Text("name"), output.Ints("shape"), output.Long("bytes", 0), output.OptionalHex("digest"));
        }).ToList();
        var approximations = aggregation.Objects("approximations").Select(a =>
        {
            a.Expect("lora_a", "lora_b", "rank", "scale", "mean_norm", "absolute_error", "relative_error");
            return new LowRankApproximation(a.Text("lora_a"), a.Text("lora_b"), a.Int("rank", 1, 65536), a.Number("scale"),
                a.Number("mean_norm"), a.Number("absolute_error"), a.Number("relative_error"));
        }).ToList();
        return new AggregationReceipt(aggregation.Enum<AggregationMethod>("method"), inputs, outputs,
            aggregation.OptionalNumber("trim_fraction"), aggregation.OptionalInt("trimmed_per_side", 0, int.MaxValue), approximations);
    }

    private static double NonNegative(TrainingDocumentFields fields, string name) =>
        fields.Number(name) is var value && value >= 0 ? value : throw fields.Problem(name, "it is below 0");

    private static string Prefixed(string hex) => hex.StartsWith(Exchange.BlobDigest.Prefix, StringComparison.Ordinal) ? hex : Exchange.BlobDigest.Prefix + hex;

    private static byte[] Bytes(Dictionary<string, object?> document) => Encoding.UTF8.GetBytes(CanonicalJson.SerializeIndented(document));
}
