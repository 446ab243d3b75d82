using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Writes the evidence bundle of a training run from its record (docs/training.md, "Evidence bundle"):
/// the plan and bundle.json, each manifest as it arrived, every verdict, replay, evaluation, aggregation and
/// publication document, the drill reports, and the files of each published snapshot copied from where it was
/// published and checked against its receipt; then index.json over all of it. Contributions' adapters stay
/// out (their digests are in the manifests and verdicts). Paths inside the documents are the coordinator's
/// own and are carried as information only.
/// </summary>
public static class EvidenceExport
{
    /// <summary>The kinds bundle.json counts, in the order it lists them.</summary>
    public static readonly IReadOnlyList<string> CountedKinds =
        new[] { "manifests", "verdicts", "replays", "evaluations", "aggregations", "publications", "drills", "snapshots" };

    /// <summary>Every name Export-SwarmEvidence writes at the top of a bundle: only these may be replaced with -Force.</summary>
    public static readonly IReadOnlyList<string> BundleEntries =
        new[] { TrainingRecord.PlanFileName, EvidenceBundleSummary.FileName, EvidenceIndex.FileName }.Concat(CountedKinds).ToList();

    public static EvidenceExportResult Export(string repositoryRoot, string runId, string destination, bool force)
    {
        var record = TrainingRecord.Find(repositoryRoot, runId) ?? throw new SwarmException(
            "TrainingRunNotFound",
            $"Training run {runId} has no record in the repository {repositoryRoot}: there is no {TrainingRecord.RecordPath(repositoryRoot, runId)}.",
            "Check the run id (the coordinator's Test-SwarmContribution and Publish-SwarmSnapshot write the record), and run this from the experiment repository the coordinator ran in, or give it with -Repository.",
            SwarmErrorCategory.ObjectNotFound,
            runId);
        var bundle = Path.GetFullPath(destination);
        PrepareDestination(bundle, force);

        var problems = new List<string>();
        var counts = CountedKinds.ToDictionary(kind => kind, _ => 0, StringComparer.Ordinal);
        var plan = record.ReadPlan();
        if (plan is not null)
        {
            Write(Path.Combine(bundle, TrainingRecord.PlanFileName), plan);
        }

        foreach (var contributor in Contributors(record))
        {
            if (TrainingRecord.ReadFile(record.ManifestPath(contributor), TrainingDocumentFields.MaxBytes) is { } manifest)
            {
                Write(Path.Combine(bundle, "manifests", contributor + ".json"), manifest);
                counts["manifests"]++;
            }
        }

        foreach (var directory in TrainingRecord.DocumentDirectories)
        {
            foreach (var path in record.DocumentFiles(directory))
            {
                Write(Path.Combine(bundle, directory, Path.GetFileName(path)), TrainingRecord.ReadFile(path, TrainingDocumentFields.MaxBytes)!);
                counts[directory]++;
            }
        }

        counts["drills"] = CopyDrills(Path.Combine(record.Root, "drills"), Path.Combine(bundle, "drills"), problems);
        foreach (var path in record.DocumentFiles("publications"))
        {
            var receipt = TrainingDocuments.ParsePublication(TrainingRecord.ReadFile(path, TrainingDocumentFields.MaxBytes)!, path);
            if (receipt.Publish == PublishDisposition.Published)
            {
                CopySnapshot(receipt, Path.Combine(bundle, "snapshots", Path.GetFileNameWithoutExtension(path)), problems);
                counts["snapshots"]++;
            }
        }

        var planDigest = plan is null ? null : ContributionManifestJson.DigestOf(plan);
        Write(Path.Combine(bundle, EvidenceBundleSummary.FileName), new EvidenceBundleSummary(runId, planDigest, DateTimeOffset.UtcNow, counts).Serialize());
        var files = EvidenceIndex.Write(bundle);
        return new EvidenceExportResult(bundle, runId, planDigest, files.Count, files.Sum(file => file.Bytes), problems);
    }

    /// <summary>
    /// A missing destination is made; an empty one is used. One that holds anything is refused, unless
    /// -Force and everything in it is a name this export writes (an earlier bundle): then those are
    /// replaced. Nothing else is ever deleted, so -Force cannot lose a file the operator put there.
    /// </summary>
    private static void PrepareDestination(string bundle, bool force)
    {
        if (new FileInfo(bundle).LinkTarget is not null || File.Exists(bundle))
        {
            throw NotEmpty(bundle, "it is a file or a link, not a directory", "Give the path of a new or empty directory.");
        }

        if (!Directory.Exists(bundle))
        {
            OwnerOnly.CreateDirectory(bundle);
            return;
        }

        var entries = Directory.EnumerateFileSystemEntries(bundle).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (entries.Count == 0)
        {
            return;
        }

        if (!force)
        {
            throw NotEmpty(bundle, $"it already holds {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} ({string.Join(", ", entries.Take(5))})",
                "Nothing was written. Give a new directory, or add -Force to replace an earlier bundle there (only the bundle's own files are replaced).");
        }

        if (entries.FirstOrDefault(name => !BundleEntries.Contains(name!, StringComparer.Ordinal)) is { } foreign)
        {
            throw NotEmpty(bundle, $"it holds '{foreign}', which is not part of an evidence bundle, so -Force would not replace it",
                "Nothing was written. Move that file away or give a new directory.");
        }

        foreach (var name in entries)
        {
            var path = Path.Combine(bundle, name!);
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                Directory.Delete(path, recursive: true); // links inside are removed, never followed
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    private static IEnumerable<string> Contributors(TrainingRecord record)
    {
        var directory = Path.Combine(record.Root, "contributions");
        return Directory.Exists(directory) && new DirectoryInfo(directory).LinkTarget is null
            ? Directory.EnumerateDirectories(directory).Select(Path.GetFileName).Where(TrainingRecord.IsSafeName).Order(StringComparer.Ordinal)!
            : Array.Empty<string>();
    }

    /// <summary>The record's drills/ (reports of issue 14's drills), copied file by file; a link or special file there is a problem, not copied.</summary>
    private static int CopyDrills(string source, string target, List<string> problems)
    {
        if (!Directory.Exists(source) || new DirectoryInfo(source).LinkTarget is not null)
        {
            return 0;
        }

        var copied = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(source, "*", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                copied += CopyDrills(path, Path.Combine(target, name), problems);
            }
            else if (EvidenceFileCopy.Copy(path, Path.Combine(target, name)) is { } problem)
            {
                problems.Add($"drill report not copied: {problem}");
            }
            else
            {
                copied++;
            }
        }

        return copied;
    }

    /// <summary>Copies each file the receipt lists from its destination, then holds the copy to the receipt's digest and size.</summary>
    private static void CopySnapshot(PublicationReceipt receipt, string target, List<string> problems)
    {
        OwnerOnly.CreateDirectory(target);
        if (receipt.Destination is null)
        {
            problems.Add($"the publication {Path.GetFileName(target)} says Published but names no destination, so its snapshot could not be copied");
            return;
        }

        foreach (var file in receipt.Files)
        {
            var copy = Path.Combine(target, file.Name);
            if (EvidenceFileCopy.Copy(Path.Combine(receipt.Destination, file.Name), copy) is { } problem)
            {
                problems.Add($"the published file {file.Name} of {Path.GetFileName(target)} could not be copied: {problem}");
            }
            else if (EvidenceFileCopy.Digest(copy) is not { } copied || copied.Bytes != file.Bytes || !TrainingDigest.Same(copied.Digest, file.Digest))
            {
                problems.Add($"the published file {file.Name} of {Path.GetFileName(target)} is not what its receipt lists ({file.Digest}, {file.Bytes} bytes): it changed since it was published");
            }
        }
    }

    /// <summary>A problem the export met, as the error the cmdlet writes for it (the bundle is written, but not good).</summary>
    public static SwarmException ProblemError(EvidenceExportResult result, string problem) => new(
        "EvidenceExportIncomplete",
        $"The evidence bundle {result.Path} of run {result.RunId} is not a good one: {problem}.",
        "The bundle was written with what could be found, so the evidence is not lost; Test-SwarmEvidence fails it for the same reason. Find the published snapshot (its receipt names its destination and digests), put it back unchanged, and export again with -Force.",
        SwarmErrorCategory.InvalidData,
        result.Path);

    private static void Write(string path, byte[] bytes)
    {
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, stream => stream.Write(bytes), durable: true);
    }

    private static SwarmException NotEmpty(string bundle, string problem, string remediation) => new(
        "EvidenceDestinationNotEmpty",
        $"The evidence bundle cannot be written to {bundle}: {problem}.",
        remediation,
        SwarmErrorCategory.InvalidOperation,
        bundle);
}
