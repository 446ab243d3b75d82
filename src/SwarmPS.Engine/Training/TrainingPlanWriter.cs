using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Writes a training plan file from a <see cref="TrainingPlanDraft"/> (New-SwarmTrainingPlan): every field
/// written out, defaults included, so the file says everything the contract holds; the base snapshot's digest
/// computed from the file, so no operator ever types one; the base path relative to the plan file when the
/// snapshot lies under its folder, so the plan and its base move together. The text is judged by
/// <see cref="TrainingPlanReader"/> before a byte is written, under the file's own name and lines (a bad rank
/// is <c>plan.yaml:9: adapter.rank: ...</c>), and the plan returned is the written file read back.
/// </summary>
public static class TrainingPlanWriter
{
    /// <summary>A plan is a contract every site reads: readable by all, writable by its owner.</summary>
    private const UnixFileMode PlanFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static TrainingPlan Write(string path, TrainingPlanDraft draft, bool force)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath) || (File.Exists(fullPath) && !force))
        {
            throw new SwarmException(
                "TrainingPlanFileExists", $"{fullPath} already exists; a plan file is not overwritten unasked (a run may already be tied to its digest).",
                Directory.Exists(fullPath) ? "Give the path of a file to write, not of a folder." : "Choose another file name, or pass -Force to replace it.",
                SwarmErrorCategory.ResourceExists, fullPath);
        }

        var directory = Path.GetDirectoryName(fullPath)!;
        string digest;
        using (var snapshot = SafetensorsFile.Open(draft.BaseSnapshotPath))
        {
            digest = BlobDigest.Prefix + snapshot.ComputeSha256();
        }

        var text = Render(draft, SnapshotPathFrom(directory, Path.GetFullPath(draft.BaseSnapshotPath)), digest);

        // Judged as the file it will be, before it exists: a refusal names this file and the line, and
        // leaves nothing behind.
        TrainingPlanReader.FromTree(TrainingPlanReader.Parsed(fullPath, () => ConfigDocument.Parse(text, fullPath).Root), fullPath, directory);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(fullPath, text, PlanFileMode);
        return TrainingPlanReader.Load(fullPath);
    }

    /// <summary>The plan file's text: the layout of examples/training/plan.yaml, one field per line.</summary>
    internal static string Render(TrainingPlanDraft draft, string snapshotPath, string digest)
    {
        var minimumAccepted = draft.MinimumAccepted ?? draft.Contributors.Count;
        var minimumReplayChecked = draft.MinimumReplayChecked ?? Math.Min(new PublicationGates().MinimumReplayChecked, minimumAccepted);
        var text = new StringBuilder()
            .Append("# A training plan written by New-SwarmTrainingPlan (docs/training-plan.md): every field is written out.\n")
            .Append("# Check it on each site with Test-SwarmTrainingPlan; a changed field is a new plan with a new digest.\n")
            .Append("schema_version: ").Append(TrainingPlan.CurrentSchemaVersion).Append('\n')
            .Append("namespace: ").Append(Quoted(draft.Namespace)).Append('\n')
            .Append("coordinator:\n")
            .Append("  site: ").Append(Quoted(draft.CoordinatorSite)).Append('\n')
            .Append("base_snapshot:\n")
            .Append("  path: ").Append(Quoted(snapshotPath)).Append('\n')
            .Append("  digest: ").Append(Quoted(digest)).Append('\n')
            .Append("adapter:\n")
            .Append("  target_modules: [").Append(string.Join(", ", draft.TargetModules.Select(Quoted))).Append("]\n")
            .Append("  rank: ").Append(Number(draft.Rank)).Append('\n')
            .Append("  alpha: ").Append(Number(draft.Alpha)).Append('\n')
            .Append("  dtype: ").Append(Quoted(draft.DType)).Append('\n')
            .Append("training:\n")
            .Append("  steps: ").Append(Number(draft.Steps)).Append('\n')
            .Append("  seed: ").Append(Number(draft.Seed)).Append('\n')
            .Append("  learning_rate: ").Append(Number(draft.LearningRate)).Append('\n')
            .Append("admission_token_env: ").Append(Quoted(draft.AdmissionTokenVariable)).Append("   # the variable's NAME; the token never goes in a plan\n")
            .Append("timing:\n")
            .Append("  heartbeat_interval_ms: 1000\n")
            .Append("  stale_worker_ms: 5000\n")
            .Append("  contributor_loss_grace_ms: 7500\n")
            .Append("  max_worker_skew_ms: 15000\n")
            .Append("contributors:\n");
        foreach (var c in draft.Contributors)
        {
            text.Append("  - { id: ").Append(Quoted(c.Id)).Append(", site: ").Append(Quoted(c.Site)).Append(", backend: ").Append(Quoted(c.Backend))
                .Append(", device: ").Append(Quoted(c.Device)).Append(", shard: ").Append(Quoted(c.DataShard)).Append(" }\n");
        }

        return text
            .Append("validation:\n")
            .Append("  max_update_norm: ").Append(Number(draft.MaxUpdateNorm)).Append('\n')
            .Append("  replay_sample: ").Append(Number(draft.ReplaySample)).Append('\n')
            .Append("  replay_tolerance: ").Append(Number(draft.ReplayTolerance)).Append('\n')
            .Append("gates:\n")
            .Append("  min_accepted: ").Append(Number(minimumAccepted)).Append('\n')
            .Append("  min_replay_checked: ").Append(Number(minimumReplayChecked)).Append('\n')
            .Append("  min_loss_improvement: ").Append(Number(draft.MinimumLossImprovement)).Append('\n')
            .ToString();
    }

    /// <summary>Relative (<c>./base/base.safetensors</c>) when the snapshot lies under the plan's folder, else absolute.</summary>
    internal static string SnapshotPathFrom(string planDirectory, string snapshot)
    {
        var relative = Path.GetRelativePath(planDirectory, snapshot);
        var inside = !Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return inside ? "./" + relative.Replace(Path.DirectorySeparatorChar, '/') : snapshot;
    }

    // A JSON string is a YAML double-quoted scalar: nothing in a value can end it early or turn it into a
    // number, a list or a comment.
    private static string Quoted(string value) => JsonSerializer.Serialize(value);

    // "R" round-trips a double; a NaN or infinity is written as .NET spells it and refused by the reader by field.
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
