using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>One of each coordinator record, every field set to something a round trip would lose if it were dropped.</summary>
internal static class TrainingSamples
{
    public const string RunId = "ft-run-1";

    public static string Digest(char c) => "sha256:" + new string(c, 64);

    public static readonly string[] StandardChecks = { "adapter_digest", "base_snapshot", "manifest_contract", "dtype", "lora_layout", "finite", "update_norm", "heartbeats" };

    public static ContributionVerdict Verdict(string contributor = "contrib-a", VerdictKind kind = VerdictKind.Accepted, string? adapterDigest = null, string? manifestDigest = null) =>
        new(RunId, contributor, manifestDigest ?? Digest('1'), kind, StandardChecks.Select(name => new ContributionCheck(name, true, $"{name} holds")).ToList())
        {
            Backend = "dotnet.cpu",
            AdapterPath = $"/coordinator/.swarm/training/{RunId}/contributions/{contributor}/adapter.safetensors",
            AdapterDigest = adapterDigest ?? Digest('a'),
            ExampleCount = 128,
            ReplayChecked = true,
        };

    public static ReplayReceipt Replay(string contributor = "contrib-a") =>
        new(RunId, contributor, Digest('a'), Digest('b'), "dotnet.cpu", "pytorch.cpu", ReplayMatch.WithinTolerance, 3.5e-6, 1e-4, new[] { "m.lora_A.weight differs by 3.5e-06" });

    public static EvaluationReceipt Evaluation() => new(Digest('c'), Digest('d'), "held-out-0", 2.25, 1.875, "dotnet.cpu");

    public static AdapterMergeReceipt Aggregation(string inputHex) =>
        new(AggregationMethod.Exact,
            new[] { new AdapterMergeInput("/coordinator/a.safetensors", inputHex, 0.75, true) },
            "/coordinator/merged.safetensors",
            new string('c', 64),
            16,
            new AggregationReceipt(AggregationMethod.Exact,
                new[] { new AggregationReceiptInput("/coordinator/a.safetensors", inputHex, 0.75, true) },
                new[] { new AggregationReceiptOutput("m.lora_A.weight", new[] { 4, 8 }, 128, new string('e', 64)), new AggregationReceiptOutput("m.lora_B.weight", new[] { 8, 4 }, 128, null) },
                null,
                null,
                new[] { new LowRankApproximation("m.lora_A.weight", "m.lora_B.weight", 4, 4.0, 1.5, 1e-7, 6.5e-8) }));

    public static PublicationReceipt Publication(PublishDisposition publish, string aggregationDigest, IReadOnlyList<PublishedFile>? files = null, string? destination = null) =>
        new(RunId, Digest('9'), aggregationDigest,
            new PublicationEvidence { Accepted = 2, ReplayChecked = 1, ValidatorFindings = new[] { "none" }, BaseHeldOutLoss = 2.25, MergedHeldOutLoss = null },
            publish == PublishDisposition.Published
                ? new PublicationDecision(MergeDisposition.Merged, PublishDisposition.Published, PromotionDisposition.Promoted, ResultClassification.BoundedSuccess, false, Array.Empty<string>())
                : new PublicationDecision(MergeDisposition.Merged, PublishDisposition.Refused, PromotionDisposition.Held, ResultClassification.Refused, true, new[] { "1 contribution(s) accepted, the plan asks for at least 2" }),
            destination,
            files ?? Array.Empty<PublishedFile>(),
            new DateTimeOffset(2026, 12, 1, 9, 30, 0, 125, TimeSpan.Zero));
}
