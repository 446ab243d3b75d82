using System.Text;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// <c>bundle.json</c>, the summary at the top of an evidence bundle: the run, the digest of the plan the
/// bundle carries (null when the run froze none), when it was exported, and how many files of each kind it
/// holds. Test-SwarmEvidence holds plan.json to the digest stated here.
/// </summary>
public sealed record EvidenceBundleSummary(string RunId, string? PlanDigest, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, int> Counts)
{
    public const string FileName = "bundle.json";

    public byte[] Serialize() => Encoding.UTF8.GetBytes(CanonicalJson.SerializeIndented(new Dictionary<string, object?>
    {
        ["schema_version"] = TrainingDocuments.SchemaVersion,
        ["run_id"] = RunId,
        ["plan_digest"] = PlanDigest,
        ["created_at"] = TrainingDocuments.Time(CreatedAt),
        ["counts"] = Counts.ToDictionary(count => count.Key, count => (object?)count.Value, StringComparer.Ordinal),
    }));

    public static EvidenceBundleSummary Parse(ReadOnlySpan<byte> bytes, string source) => TrainingDocumentFields.Read(bytes, source, root =>
    {
        root.Expect("schema_version", "run_id", "plan_digest", "created_at", "counts").Version(TrainingDocuments.SchemaVersion);
        var counts = root.Object("counts").Expect(EvidenceExport.CountedKinds.ToArray());
        return new EvidenceBundleSummary(
            root.Name("run_id"),
            root.OptionalAnyDigest("plan_digest"),
            root.Time("created_at"),
            EvidenceExport.CountedKinds.ToDictionary(kind => kind, kind => counts.Int(kind, 0, int.MaxValue), StringComparer.Ordinal));
    });
}
