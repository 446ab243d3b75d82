using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A training plan as bytes: canonical JSON (Python's <c>json.dumps(sort_keys=True, indent=2, ensure_ascii=False)</c>
/// plus a newline, the form of ledger entries and contribution manifests), with the YAML's snake_case
/// fields, every default filled in, times in whole milliseconds, and the base snapshot's path as the plan
/// file writes it, never resolved, so the digest is the same wherever the file lies and whether a default
/// was written out or left to itself. The digest is not a field of the JSON it is computed over.
/// Reading the bytes back (the coordinator freezes the plan in its record; the evidence bundle carries it)
/// treats them as hostile: at most 1 MiB, strict UTF-8, JSON, and then every check the plan file gets.
/// </summary>
public static class TrainingPlanJson
{
    public const int MaxBytes = ConfigFileReader.MaxBytes;

    public static byte[] Serialize(TrainingPlan plan) =>
        Encoding.UTF8.GetBytes(CanonicalJson.SerializeIndented(new Dictionary<string, object?>
        {
            ["schema_version"] = plan.SchemaVersion,
            ["namespace"] = plan.Namespace,
            ["coordinator"] = new Dictionary<string, object?> { ["site"] = plan.CoordinatorSite },
            ["base_snapshot"] = new Dictionary<string, object?> { ["path"] = plan.BaseSnapshotFile, ["digest"] = plan.BaseSnapshotDigest },
            ["adapter"] = new Dictionary<string, object?>
            {
                ["target_modules"] = plan.Contract.TargetModules.ToArray(),
                ["rank"] = plan.Contract.Rank,
                ["alpha"] = plan.Contract.Alpha,
                ["dtype"] = plan.Contract.DType,
            },
            ["training"] = new Dictionary<string, object?> { ["steps"] = plan.Steps, ["seed"] = plan.Seed, ["learning_rate"] = plan.LearningRate },
            ["admission_token_env"] = plan.AdmissionTokenVariable,
            ["timing"] = new Dictionary<string, object?>
            {
                ["heartbeat_interval_ms"] = Milliseconds(plan.HeartbeatInterval),
                ["stale_worker_ms"] = Milliseconds(plan.StaleAfter),
                ["contributor_loss_grace_ms"] = Milliseconds(plan.ContributorLossGrace),
                ["max_worker_skew_ms"] = Milliseconds(plan.MaxWorkerSkew),
            },
            // File order: a list is ordered, and the order is what the operator wrote.
            ["contributors"] = plan.Contributors.Select(c => new Dictionary<string, object?>
            {
                ["id"] = c.Id, ["site"] = c.Site, ["backend"] = c.Backend, ["device"] = c.Device, ["shard"] = c.DataShard,
            }).ToArray(),
            ["validation"] = new Dictionary<string, object?>
            {
                ["max_update_norm"] = plan.MaxUpdateNorm,
                ["replay_sample"] = plan.ReplaySample,
                ["replay_tolerance"] = plan.ReplayTolerance,
            },
            ["gates"] = new Dictionary<string, object?>
            {
                ["min_accepted"] = plan.Gates.MinimumAccepted,
                ["min_replay_checked"] = plan.Gates.MinimumReplayChecked,
                ["min_loss_improvement"] = plan.Gates.MinimumLossImprovement,
            },
        }));

    /// <summary><c>sha256:&lt;hex&gt;</c> of <see cref="Serialize"/>'s bytes: the plan digest every manifest, verdict and receipt cites.</summary>
    public static string Digest(TrainingPlan plan) => BlobDigest.From(SHA256.HashData(Serialize(plan))).ToString();

    /// <summary>
    /// Reads plan JSON (canonical or not: the digest is always recomputed from the plan read, so it equals
    /// the digest of <paramref name="bytes"/> exactly when they are canonical). <paramref name="source"/>
    /// names the bytes in errors; a relative base snapshot path is resolved against <paramref name="baseDirectory"/>
    /// (the directory of the plan file the JSON was made from).
    /// </summary>
    public static TrainingPlan Read(ReadOnlySpan<byte> bytes, string source, string baseDirectory)
    {
        if (bytes.Length > MaxBytes)
        {
            throw new SwarmException(
                "TrainingPlanInvalid", $"{source}:1: it is {bytes.Length:N0} bytes, more than a plan's {MaxBytes:N0}.",
                "Read the plan from where the coordinator froze it; a plan is a few kilobytes.", SwarmErrorCategory.InvalidData, source);
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SwarmException(
                "TrainingPlanInvalid", $"{source}:1: it is not UTF-8 text.", "Read the plan from where the coordinator froze it; plan JSON is UTF-8.",
                SwarmErrorCategory.InvalidData, source);
        }

        var root = TrainingPlanReader.Parsed(source, () => JsonTreeParser.Parse(text, source));
        return TrainingPlanReader.FromTree(root, source, baseDirectory);
    }

    private static long Milliseconds(TimeSpan time) => (long)time.TotalMilliseconds;
}
