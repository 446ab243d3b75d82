using System.Text;
using System.Globalization;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The coordinator's files for one training run, in the experiment repository at
/// <c>.swarm/training/&lt;runId&gt;/</c>: the plan frozen at first use, each contribution's manifest and
/// adapter as they arrived, and one document per verdict, replay, evaluation, aggregation and publication
/// (docs/training.md, "The training record"). It is the only account of what the coordinator decided, and
/// Export-SwarmEvidence bundles it, so every directory is 0700, every file 0600 and written whole (temp,
/// fsync, rename), and a link, FIFO or device where one of its files or directories belongs is refused,
/// never written or read through.
/// </summary>
public sealed partial class TrainingRecord
{
    public const string PlanFileName = "plan.json";

    private const string BaseSnapshotPathFileName = "base-snapshot.path";

    /// <summary>The record's subdirectories, in the order a bundle lists them.</summary>
    public static readonly IReadOnlyList<string> DocumentDirectories = new[] { "verdicts", "replays", "evaluations", "aggregations", "publications" };

    private TrainingRecord(string runId, string root)
    {
        RunId = runId;
        Root = root;
    }

    public string RunId { get; }

    public string Root { get; }

    /// <summary>sha256 of plan.json's bytes (<c>sha256:&lt;hex&gt;</c>), null when no plan is frozen.</summary>
    public string? PlanDigest => ReadPlan() is { } plan ? ContributionManifestJson.DigestOf(plan) : null;

    /// <summary>Where the record of <paramref name="runId"/> lives in the repository, whether or not it exists.</summary>
    public static string RecordPath(string repositoryRoot, string runId) =>
        Path.Combine(SwarmRepository.At(repositoryRoot).SwarmDirectory, "training", ValidateRunId(runId));

    /// <summary>Opens the record, creating its directories (0700) when they are missing.</summary>
    public static TrainingRecord Open(string repositoryRoot, string runId)
    {
        var root = RecordPath(repositoryRoot, runId);
        var repository = SwarmRepository.At(repositoryRoot).Root;
        foreach (var directory in new[] { Path.Combine(repository, ".swarm"), Path.Combine(repository, ".swarm", "training"), root })
        {
            EnsureDirectory(directory);
        }

        return new TrainingRecord(runId, root);
    }

    /// <summary>The record if it exists, without creating anything; null when the run has none.</summary>
    public static TrainingRecord? Find(string repositoryRoot, string runId)
    {
        var root = RecordPath(repositoryRoot, runId);
        RefuseLink(SwarmRepository.At(repositoryRoot).SwarmDirectory);
        RefuseLink(Path.GetDirectoryName(root)!);
        RefuseLink(root);
        return Directory.Exists(root) ? new TrainingRecord(runId, root) : null;
    }

    public static bool IsSafeName(string? name) => name is not null && NameShape().IsMatch(name);

    /// <summary>
    /// Freezes the plan at first use. The same plan again changes nothing; another plan is
    /// <c>TrainingPlanDrift</c>: a run is judged against one plan from its first contribution to its publication.
    /// </summary>
    public void FreezePlan(byte[] canonicalPlanJson, string planDigest)
    {
        ArgumentNullException.ThrowIfNull(canonicalPlanJson);
        var given = ContributionManifestJson.DigestOf(canonicalPlanJson);
        if (!TrainingDigest.Same(given, planDigest))
        {
            throw new ArgumentException($"The plan digest {planDigest} is not the sha256 of the plan bytes given ({given}).", nameof(planDigest));
        }

        if (PlanDigest is { } frozen)
        {
            if (TrainingDigest.Same(frozen, given))
            {
                return;
            }

            throw new SwarmException(
                "TrainingPlanDrift",
                $"Training run {RunId} was started with the plan {frozen}; the plan given now is {given}.",
                "A run keeps the plan it started with: use the plan it was started with, or start a new run id for the new plan.",
                SwarmErrorCategory.InvalidOperation,
                RunId);
        }

        WriteFile(Path.Combine(Root, PlanFileName), canonicalPlanJson);
    }

    public byte[]? ReadPlan() => ReadFile(Path.Combine(Root, PlanFileName), TrainingDocumentFields.MaxBytes);

    /// <summary>
    /// Where the frozen plan's base snapshot is on this machine. The plan's JSON keeps the path as the plan file
    /// wrote it (so its digest does not depend on where the file was); this keeps the one it resolved to, for the
    /// coordinator's own trainer jobs. Local to this record: it is not evidence, and no bundle carries it.
    /// </summary>
    public void SaveBaseSnapshotPath(string path) => WriteFile(Path.Combine(Root, BaseSnapshotPathFileName), Encoding.UTF8.GetBytes(path));

    public string? ReadBaseSnapshotPath() =>
        ReadFile(Path.Combine(Root, BaseSnapshotPathFileName), 4096) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The contribution's directory, made (0700, a link there refused) when missing, so its adapter can be written into it.</summary>
    public string ContributionDirectory(string contributor)
    {
        var directory = ContributionPath(contributor);
        EnsureDirectory(Path.Combine(Root, "contributions"));
        EnsureDirectory(directory);
        return directory;
    }

    public string ManifestPath(string contributor) => Path.Combine(ContributionPath(contributor), ContributionFiles.Manifest);

    public string AdapterPath(string contributor) => Path.Combine(ContributionPath(contributor), ContributionFiles.Adapter);

    /// <summary>The manifest's bytes as they arrived (its digest is what verdicts cite); the contribution's directory is made if missing.</summary>
    public void SaveManifest(string contributor, byte[] manifestBytes)
    {
        ContributionDirectory(contributor);
        WriteFile(ManifestPath(contributor), manifestBytes);
    }

    private string ContributionPath(string contributor) => Path.Combine(Root, "contributions", ValidateContributor(contributor));

    /// <summary>verdicts/&lt;contributor&gt;.json; a later verdict (after a replay) replaces the earlier.</summary>
    public string SaveVerdict(ContributionVerdict verdict) =>
        SaveDocument("verdicts", ValidateContributor(verdict.Contributor), TrainingDocuments.Serialize(verdict));

    public string SaveReplay(ReplayReceipt receipt) =>
        SaveDocument("replays", ValidateContributor(receipt.Contributor), TrainingDocuments.Serialize(receipt));

    public string SaveEvaluation(EvaluationReceipt receipt) =>
        SaveDocument("evaluations", DigestName(receipt.AdapterDigest, nameof(receipt.AdapterDigest)), TrainingDocuments.Serialize(receipt));

    public string SaveAggregation(AdapterMergeReceipt receipt) =>
        SaveDocument("aggregations", DigestName(receipt.OutputDigest, nameof(receipt.OutputDigest)), TrainingDocuments.Serialize(receipt));

    /// <summary>publications/&lt;UTC stamp&gt;-&lt;12 hex of the merged adapter&gt;.json: every decision is kept, in the order taken.</summary>
    public string SavePublication(PublicationReceipt receipt) =>
        SaveDocument("publications", PublicationStem(receipt), TrainingDocuments.Serialize(receipt));

    public static string PublicationStem(PublicationReceipt receipt) =>
        receipt.DecidedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-"
        + DigestName(receipt.AggregationOutputDigest, nameof(receipt.AggregationOutputDigest))[..12];

    /// <summary>Every verdict recorded, by contributor: what Publish-SwarmSnapshot counts.</summary>
    public IReadOnlyList<ContributionVerdict> ReadVerdicts() =>
        DocumentFiles("verdicts").Select(path => TrainingDocuments.ParseVerdict(ReadFile(path, TrainingDocumentFields.MaxBytes)!, path)).ToList();

    public ReplayReceipt? ReadReplay(string contributor) =>
        ReadFile(Path.Combine(Root, "replays", ValidateContributor(contributor) + ".json"), TrainingDocumentFields.MaxBytes) is { } bytes
            ? TrainingDocuments.ParseReplay(bytes, Path.Combine(Root, "replays", contributor + ".json"))
            : null;

    public EvaluationReceipt? ReadEvaluation(string adapterDigest)
    {
        var path = Path.Combine(Root, "evaluations", DigestName(adapterDigest, nameof(adapterDigest)) + ".json");
        return ReadFile(path, TrainingDocumentFields.MaxBytes) is { } bytes ? TrainingDocuments.ParseEvaluation(bytes, path) : null;
    }

    /// <summary>The *.json files of one of the record's directories, in name order; none when it does not exist.</summary>
    public IReadOnlyList<string> DocumentFiles(string directory)
    {
        var path = Path.Combine(Root, directory);
        RefuseLink(path);
        return Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*.json").Where(file => !Path.GetFileName(file).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : Array.Empty<string>();
    }

    /// <summary>Reads a file of the record, refusing a link or special file there; null when it does not exist.</summary>
    public static byte[]? ReadFile(string path, int maxBytes)
    {
        try
        {
            return BoundedFileRead.ReadAllBytes(path, maxBytes, followLinks: false);
        }
        catch (FileRefusedException error)
        {
            throw Refused(path, error.Message);
        }
    }

    private string SaveDocument(string directory, string stem, byte[] bytes)
    {
        EnsureDirectory(Path.Combine(Root, directory));
        var path = Path.Combine(Root, directory, stem + ".json");
        WriteFile(path, bytes);
        return path;
    }

    /// <summary>Temp, fsync, rename (AtomicFile); what is already at the path must be a regular file, else it is refused, not replaced.</summary>
    private static void WriteFile(string path, byte[] bytes)
    {
        RefuseLink(path);
        try
        {
            if (File.Exists(path) && !BoundedFileRead.IsRegularFile(path, followLinks: false))
            {
                throw Refused(path, $"'{Path.GetFileName(path)}' is not a regular file");
            }
        }
        catch (FileRefusedException error)
        {
            throw Refused(path, error.Message);
        }

        AtomicFile.Write(path, stream => stream.Write(bytes), durable: true);
    }

    private static void EnsureDirectory(string path)
    {
        RefuseLink(path);
        if (File.Exists(path))
        {
            throw Refused(path, $"'{Path.GetFileName(path)}' is a file where the record keeps a directory");
        }

        OwnerOnly.CreateDirectory(path);
        OwnerOnly.Tighten(path);
    }

    private static void RefuseLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw Refused(path, $"'{Path.GetFileName(path)}' is a symbolic link; the record is never written or read through a link");
        }
    }

    private static string ValidateRunId(string runId) => CampaignRunId.IsValid(runId)
        ? runId
        : throw new SwarmException(
            "TrainingRunIdInvalid",
            $"'{runId}' is not a training run id.",
            $"Use 1 to 63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (the campaign run id rule, {CampaignRunId.Pattern}).",
            SwarmErrorCategory.InvalidArgument,
            runId);

    private static string ValidateContributor(string contributor) => IsSafeName(contributor)
        ? contributor
        : throw new SwarmException(
            "TrainingContributorInvalid",
            $"'{contributor}' is not a contributor name a training record can hold.",
            "Use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit (the manifest's contributor rule).",
            SwarmErrorCategory.InvalidArgument,
            contributor);

    private static string DigestName(string digest, string what) => TrainingDigest.IsDigest(digest)
        ? TrainingDigest.Hex(digest)
        : throw new ArgumentException($"{what} '{digest}' is not a sha256 digest, so it cannot name a record file.", what);

    private static SwarmException Refused(string path, string problem) => new(
        "TrainingRecordRefused",
        $"The training record file {path} is refused: {problem}.",
        "Remove what is there (the record's files are written by SwarmPS only, never linked from elsewhere) and run the step again.",
        SwarmErrorCategory.InvalidData,
        path);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NameShape();
}
