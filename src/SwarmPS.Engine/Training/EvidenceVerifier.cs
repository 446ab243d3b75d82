using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Test-SwarmEvidence: re-checks a bundle's every digest and every invariant of its content, and lists each
/// check passed or not (docs/training.md, "Evidence bundle"). The bundle is hostile input: a document that
/// does not parse, a link or a missing file is a failed check naming the file, never an exception. It
/// claims only what the bundle holds: a bundle with no publication passes the checks it has and says
/// nothing was published.
/// </summary>
public static class EvidenceVerifier
{
    /// <summary>The checks a contribution must have passed to be accepted: the validator's standard ones.</summary>
    public static readonly IReadOnlyList<string> StandardChecks =
        new[] { "adapter_digest", "base_snapshot", "manifest_contract", "dtype", "lora_layout", "finite", "update_norm", "heartbeats" };

    public static EvidenceReport Verify(string directory)
    {
        var bundle = Path.GetFullPath(directory);
        if (!Directory.Exists(bundle) || new DirectoryInfo(bundle).LinkTarget is not null)
        {
            throw new SwarmException(
                "EvidenceBundleNotFound",
                $"There is no evidence bundle at {bundle}: it is not a directory.",
                "Give the directory Export-SwarmEvidence wrote (it has index.json and bundle.json at the top).",
                SwarmErrorCategory.ObjectNotFound,
                bundle);
        }

        var checks = new List<EvidenceCheck>();
        var content = new Content(bundle);
        CheckIndex(bundle, checks);
        var summary = content.Document(EvidenceBundleSummary.FileName, EvidenceBundleSummary.Parse);
        CheckPlan(content, summary, checks);
        var verdicts = content.Documents("verdicts", TrainingDocuments.ParseVerdict);
        var replays = content.Documents("replays", TrainingDocuments.ParseReplay);
        var aggregations = content.Documents("aggregations", TrainingDocuments.ParseAggregation);
        var publications = content.Documents("publications", TrainingDocuments.ParsePublication);
        _ = content.Documents("evaluations", TrainingDocuments.ParseEvaluation);
        CheckNames(summary?.RunId, verdicts, replays, aggregations, publications, checks);

        var accepted = verdicts.Values.Where(verdict => verdict.Verdict == VerdictKind.Accepted).ToList();
        CheckAccepted(content, accepted, replays, checks);
        CheckAggregations(aggregations, accepted, checks);
        var published = CheckPublications(bundle, publications, aggregations, checks);
        checks.AddRange(content.DocumentChecks());

        var passed = checks.All(check => check.Passed);
        var said = published == 0
            ? "nothing published: the bundle holds no published snapshot, so none is claimed"
            : passed ? $"{published} snapshot(s) published, each checked against its aggregation and receipt" : $"{published} snapshot(s) published, but the bundle fails its checks";
        return new EvidenceReport(bundle, summary?.RunId, checks, published, said);
    }

    /// <summary>Invariant 1: every file as index.json lists it, nothing changed, missing, extra or irregular.</summary>
    private static void CheckIndex(string bundle, List<EvidenceCheck> checks)
    {
        var problems = EvidenceIndex.Check(bundle);
        if (problems.Count == 0)
        {
            checks.Add(new("index", true, $"every file matches {EvidenceIndex.FileName}"));
        }

        checks.AddRange(problems.Select(problem => new EvidenceCheck("index", false, problem)));
    }

    /// <summary>Invariant 2: plan.json is the plan bundle.json says the run was judged against.</summary>
    private static void CheckPlan(Content content, EvidenceBundleSummary? summary, List<EvidenceCheck> checks)
    {
        if (summary is null)
        {
            checks.Add(new("plan_digest", false, $"there is no readable {EvidenceBundleSummary.FileName}, so the plan's digest cannot be checked"));
            return;
        }

        var plan = content.Bytes(TrainingRecord.PlanFileName);
        var actual = plan is null ? null : ContributionManifestJson.DigestOf(plan);
        checks.Add((summary.PlanDigest, actual) switch
        {
            (null, null) => new("plan_digest", true, "the run froze no plan, and the bundle carries none"),
            (null, _) => new("plan_digest", false, $"{TrainingRecord.PlanFileName} is {actual}, but {EvidenceBundleSummary.FileName} states no plan"),
            (_, null) => new("plan_digest", false, $"{EvidenceBundleSummary.FileName} states the plan {summary.PlanDigest}, but the bundle has no readable {TrainingRecord.PlanFileName}"),
            _ => TrainingDigest.Same(summary.PlanDigest, actual)
                ? new("plan_digest", true, $"{TrainingRecord.PlanFileName} is {actual}, as {EvidenceBundleSummary.FileName} states")
                : new("plan_digest", false, $"{TrainingRecord.PlanFileName} is {actual}, {EvidenceBundleSummary.FileName} states {summary.PlanDigest}"),
        });
    }

    /// <summary>Each document names the bundle's run, and its file name is the one the record gives it.</summary>
    private static void CheckNames(
        string? runId,
        IReadOnlyDictionary<string, ContributionVerdict> verdicts,
        IReadOnlyDictionary<string, ReplayReceipt> replays,
        IReadOnlyDictionary<string, AdapterMergeReceipt> aggregations,
        IReadOnlyDictionary<string, PublicationReceipt> publications,
        List<EvidenceCheck> checks)
    {
        var problems = new List<string>();
        foreach (var (stem, verdict) in verdicts)
        {
            Expect(problems, $"verdicts/{stem}.json", verdict.RunId, verdict.Contributor, stem, runId);
        }

        foreach (var (stem, replay) in replays)
        {
            Expect(problems, $"replays/{stem}.json", replay.RunId, replay.Contributor, stem, runId);
        }

        foreach (var (stem, aggregation) in aggregations.Where(a => a.Value.OutputDigest != a.Key))
        {
            problems.Add($"aggregations/{stem}.json holds the aggregation {aggregation.OutputDigest}, not the one its name says");
        }

        foreach (var (stem, publication) in publications)
        {
            Expect(problems, $"publications/{stem}.json", publication.RunId, null, stem, runId);
        }

        checks.Add(problems.Count == 0
            ? new("document_names", true, "every document names the bundle's run and is filed under its own name")
            : new("document_names", false, string.Join("; ", problems)));
    }

    private static void Expect(List<string> problems, string file, string documentRun, string? contributor, string stem, string? runId)
    {
        if (runId is not null && documentRun != runId)
        {
            problems.Add($"{file} is of run {documentRun}, the bundle is of run {runId}");
        }

        if (contributor is not null && contributor != stem)
        {
            problems.Add($"{file} is about {contributor}, not the contributor its name says");
        }
    }

    /// <summary>Invariant 3: an accepted contribution has its manifest, every standard check passed, and the replay it claims.</summary>
    private static void CheckAccepted(Content content, IReadOnlyList<ContributionVerdict> accepted, IReadOnlyDictionary<string, ReplayReceipt> replays, List<EvidenceCheck> checks)
    {
        if (accepted.Count == 0)
        {
            checks.Add(new("accepted_verdict", true, "no contribution was accepted, so there is no accepted verdict to check"));
        }

        foreach (var verdict in accepted)
        {
            var who = $"the accepted contribution of {verdict.Contributor}";
            var problems = new List<string>();
            var manifestFile = $"manifests/{verdict.Contributor}.json";
            if (content.Bytes(manifestFile) is not { } manifest)
            {
                problems.Add($"its manifest {manifestFile} is not in the bundle");
            }
            else if (ManifestDigests(manifest, manifestFile).All(digest => !TrainingDigest.Same(digest, verdict.ManifestDigest)))
            {
                problems.Add($"{manifestFile} is not the manifest the verdict cites ({verdict.ManifestDigest})");
            }

            problems.AddRange(verdict.Checks.Where(check => !check.Passed).Select(check => $"its check {check.Name} failed ({check.Detail})"));
            var missing = StandardChecks.Where(name => verdict.Checks.All(check => check.Name != name)).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"it lacks the standard check(s) {string.Join(", ", missing)}");
            }

            if (verdict.ReplayChecked || verdict.Checks.Any(check => check.Name == "replay"))
            {
                if (!replays.TryGetValue(verdict.Contributor, out var replay))
                {
                    problems.Add($"it claims a replay, but replays/{verdict.Contributor}.json is not in the bundle");
                }
                else if (replay.Match == ReplayMatch.Outside)
                {
                    problems.Add($"its replay is Outside the tolerance (largest relative difference {replay.MaxRelativeDifference:G6}, tolerance {replay.Tolerance:G6})");
                }
                else if (verdict.AdapterDigest.Length > 0 && !TrainingDigest.Same(replay.ContributedDigest, verdict.AdapterDigest))
                {
                    problems.Add($"its replay is of the adapter {replay.ContributedDigest}, the verdict's is {verdict.AdapterDigest}");
                }
            }

            checks.Add(problems.Count == 0
                ? new("accepted_verdict", true, $"{who}: its manifest is the one cited, every standard check passed{(verdict.ReplayChecked ? ", confirmed by replay" : "")}")
                : new("accepted_verdict", false, $"{who}: {string.Join("; ", problems)}"));
        }
    }

    /// <summary>The digests a verdict may cite for these bytes: of the bytes as arrived, and of their canonical form.</summary>
    private static IEnumerable<string> ManifestDigests(byte[] manifest, string source)
    {
        yield return ContributionManifestJson.DigestOf(manifest);
        string? canonical;
        try
        {
            canonical = ContributionManifestJson.Digest(ContributionManifestJson.Parse(manifest, source));
        }
        catch (SwarmException)
        {
            canonical = null;
        }

        if (canonical is not null)
        {
            yield return canonical;
        }
    }

    /// <summary>Invariant 4: only accepted contributions' adapters were merged.</summary>
    private static void CheckAggregations(IReadOnlyDictionary<string, AdapterMergeReceipt> aggregations, IReadOnlyList<ContributionVerdict> accepted, List<EvidenceCheck> checks)
    {
        if (aggregations.Count == 0)
        {
            checks.Add(new("aggregation_inputs", true, "the bundle holds no aggregation"));
        }

        foreach (var (stem, aggregation) in aggregations)
        {
            var foreign = aggregation.Inputs.Where(input => accepted.All(verdict => !TrainingDigest.Same(verdict.AdapterDigest, input.Sha256))).ToList();
            checks.Add(foreign.Count == 0
                ? new("aggregation_inputs", true, $"the aggregation {Short(stem)}: each of its {aggregation.Inputs.Count} input(s) is the adapter of an accepted contribution")
                : new("aggregation_inputs", false, $"the aggregation {Short(stem)} merged {string.Join(", ", foreign.Select(input => Short(input.Sha256)))}, which is no accepted contribution's adapter"));
        }
    }

    /// <summary>Invariants 5 and 6: a published snapshot is its aggregation's adapter, file for file; a refused one wrote nothing.</summary>
    private static int CheckPublications(string bundle, IReadOnlyDictionary<string, PublicationReceipt> publications, IReadOnlyDictionary<string, AdapterMergeReceipt> aggregations, List<EvidenceCheck> checks)
    {
        var published = 0;
        foreach (var (stem, receipt) in publications)
        {
            var snapshot = Path.Combine(bundle, "snapshots", stem);
            var hasSnapshot = Directory.Exists(snapshot) || File.Exists(snapshot);
            if (receipt.Publish != PublishDisposition.Published)
            {
                checks.Add(receipt.Files.Count == 0 && !hasSnapshot
                    ? new("unpublished_snapshot", true, $"the publication {stem} was {receipt.Publish} ({receipt.Decision.Result}): it lists no file and the bundle has no snapshot of it")
                    : new("unpublished_snapshot", false, $"the publication {stem} was {receipt.Publish}, yet {(receipt.Files.Count > 0 ? $"it lists {receipt.Files.Count} file(s)" : $"the bundle has snapshots/{stem}")}"));
                continue;
            }

            published++;
            checks.Add(CheckPublished(stem, receipt, snapshot, aggregations));
        }

        // A snapshot directory of no published receipt: files no decision accounts for.
        var snapshots = Path.Combine(bundle, "snapshots");
        if (Directory.Exists(snapshots) && new DirectoryInfo(snapshots).LinkTarget is null)
        {
            foreach (var orphan in Directory.EnumerateFileSystemEntries(snapshots).Select(Path.GetFileName)
                         .Where(name => !publications.ContainsKey(name!)).Order(StringComparer.Ordinal))
            {
                checks.Add(new("unpublished_snapshot", false, $"snapshots/{orphan} belongs to no publication in the bundle"));
            }
        }

        if (published == 0)
        {
            checks.Add(new("published_snapshot", true, "nothing published: no publication in the bundle says Published, so no snapshot is claimed"));
        }

        return published;
    }

    private static EvidenceCheck CheckPublished(string stem, PublicationReceipt receipt, string snapshot, IReadOnlyDictionary<string, AdapterMergeReceipt> aggregations)
    {
        var problems = new List<string>();
        if (!aggregations.ContainsKey(TrainingDigest.Hex(receipt.AggregationOutputDigest)))
        {
            problems.Add($"it names the aggregation {receipt.AggregationOutputDigest}, which is not in the bundle");
        }

        if (!Directory.Exists(snapshot) || new DirectoryInfo(snapshot).LinkTarget is not null)
        {
            problems.Add($"snapshots/{stem} is not in the bundle");
        }
        else
        {
            foreach (var file in receipt.Files)
            {
                var now = EvidenceFileCopy.Digest(Path.Combine(snapshot, file.Name));
                if (now is null)
                {
                    problems.Add($"{file.Name} is missing from snapshots/{stem} or not a regular file");
                }
                else if (now.Value.Bytes != file.Bytes || !TrainingDigest.Same(now.Value.Digest, file.Digest))
                {
                    problems.Add($"snapshots/{stem}/{file.Name} is {now.Value.Digest}, the receipt lists {file.Digest}");
                }
            }

            problems.AddRange(Directory.EnumerateFileSystemEntries(snapshot).Select(Path.GetFileName)
                .Where(name => receipt.Files.All(file => file.Name != name)).Order(StringComparer.Ordinal)
                .Select(name => $"snapshots/{stem}/{name} is not a file the receipt lists"));
        }

        var adapter = receipt.Files.FirstOrDefault(file => file.Name == "adapter_model.safetensors");
        if (adapter is null)
        {
            problems.Add("it lists no adapter_model.safetensors");
        }
        else if (!TrainingDigest.Same(adapter.Digest, receipt.AggregationOutputDigest))
        {
            problems.Add($"its adapter_model.safetensors is {adapter.Digest}, not the merged adapter {receipt.AggregationOutputDigest}");
        }

        return problems.Count == 0
            ? new("published_snapshot", true, $"the publication {stem}: its {receipt.Files.Count} file(s) match the receipt and its adapter is the aggregation's output")
            : new("published_snapshot", false, $"the publication {stem}: {string.Join("; ", problems)}");
    }

    private static string Short(string digest) => TrainingDigest.Hex(digest) is { Length: > 12 } hex ? hex[..12] : digest;

    /// <summary>The bundle's files read as hostile documents: each failure to read or parse is collected for the documents check.</summary>
    private sealed class Content(string bundle)
    {
        private readonly List<string> _unreadable = new();
        private int _read;

        public byte[]? Bytes(string name)
        {
            try
            {
                return BoundedFileRead.ReadAllBytes(Path.Combine(bundle, name), 64 * 1024 * 1024, followLinks: false);
            }
            catch (IOException error)
            {
                _unreadable.Add($"{name}: {error.Message}");
                return null;
            }
        }

        public T? Document<T>(string name, Parser<T> parse)
            where T : class
        {
            if (Bytes(name) is not { } bytes)
            {
                return null;
            }

            try
            {
                _read++;
                return parse(bytes, name);
            }
            catch (SwarmException error)
            {
                _unreadable.Add(error.Message);
                return null;
            }
        }

        /// <summary>Every *.json of one directory, by file stem; those that do not parse are left out and reported.</summary>
        public IReadOnlyDictionary<string, T> Documents<T>(string directory, Parser<T> parse)
            where T : class
        {
            var path = Path.Combine(bundle, directory);
            var documents = new SortedDictionary<string, T>(StringComparer.Ordinal);
            if (!Directory.Exists(path) || new DirectoryInfo(path).LinkTarget is not null)
            {
                return documents;
            }

            foreach (var file in Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                if (!file!.EndsWith(".json", StringComparison.Ordinal))
                {
                    _unreadable.Add($"{directory}/{file} is not a document of the bundle");
                }
                else if (Document($"{directory}/{file}", parse) is { } document)
                {
                    documents[file[..^".json".Length]] = document;
                }
            }

            return documents;
        }

        /// <summary>Invariant 7: one failed check per document that could not be read, or one passed check.</summary>
        public IEnumerable<EvidenceCheck> DocumentChecks() => _unreadable.Count == 0
            ? new[] { new EvidenceCheck("documents", true, $"each of the {_read} document(s) parses") }
            : _unreadable.Select(problem => new EvidenceCheck("documents", false, problem));
    }

    private delegate T Parser<T>(ReadOnlySpan<byte> bytes, string source);
}
