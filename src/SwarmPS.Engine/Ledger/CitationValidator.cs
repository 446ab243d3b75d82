using System.Collections.Concurrent;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Checks the citations in findings against the union of the committed ledger (runs from every
/// machine) and this machine's store (its live runs). A run present in the ledger resolves everywhere.
/// It reads only what it needs: run citations are resolved against the ledger's file names and the
/// store's ids; each ledger file involved is read and parsed once, in parallel: the cited entries, or
/// every entry when some finding cites a batch. During a migration from aexp, a citation neither resolves
/// may resolve in <c>.aexp/ledger/</c> (<see cref="AexpCitationIndex"/>, read only then): a
/// <c>CitedInAexpLedger</c> warning naming Convert-SwarmLedger -From Aexp, not a broken citation.
/// </summary>
public static class CitationValidator
{
    public const string BrokenRunCode = "BrokenRunCitation";
    public const string EmptyBatchCode = "EmptyBatch";
    public const string NoRunStoreCode = "NoRunStore";
    public const string CitedInAexpLedgerCode = "CitedInAexpLedger";

    /// <param name="repository">Whose ledger and store resolve the citations.</param>
    /// <param name="path">A finding file, or a directory searched for <c>*.md</c> (hidden directories skipped).</param>
    /// <param name="strictRuns">Whether missing runs and empty batches are errors, warnings, or not checked.</param>
    /// <param name="cancellationToken">Stops reading findings (Ctrl+C).</param>
    public static IReadOnlyList<LedgerFinding> Validate(SwarmRepository repository, string path, StrictRuns strictRuns = StrictRuns.Error, CancellationToken cancellationToken = default)
    {
        var files = FindingFiles(path);
        var findings = new ConcurrentBag<LedgerFinding>();
        var citations = new ConcurrentBag<(string File, FindingFrontMatter FrontMatter)>();
        Parallel.ForEach(files, new ParallelOptions { CancellationToken = cancellationToken }, file =>
        {
            var shown = Shown(repository, file);
            string? text;
            try
            {
                // Findings may be links (a shared notes folder), but only to regular files of a sane size:
                // a finding linked to /dev/zero or a FIFO is a finding, not a hang.
                text = BoundedFileRead.ReadAllText(file, BoundedFileRead.TextFileLimit, followLinks: true);
                if (text is null)
                {
                    return; // removed since the listing
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                findings.Add(new LedgerFinding(FindingFrontMatter.InvalidCode, FindingSeverity.Error, shown, 0, null, $"Could not read the finding: {error.Message}"));
                return;
            }

            var frontMatter = FindingFrontMatter.Parse(text, shown);
            foreach (var problem in frontMatter.Problems)
            {
                findings.Add(problem);
            }

            if (frontMatter.Runs.Count > 0 || frontMatter.Batches.Count > 0)
            {
                citations.Add((shown, frontMatter));
            }
        });

        if (strictRuns != StrictRuns.Off && !citations.IsEmpty)
        {
            var hasLedger = Directory.Exists(repository.LedgerDirectory);
            using var store = RunStoreReader.Open(repository);
            if (!hasLedger && store is null && !AexpLedger.Exists(repository))
            {
                findings.Add(new LedgerFinding(NoRunStoreCode, FindingSeverity.Warning, null, 0, null,
                    $"'{repository.Root}' has neither a ledger (.swarm/ledger/) nor a run store (.swarm/runs.db), so no cited run could be checked. Pull the repository (git pull) to get the ledger, or run Initialize-SwarmRepository; use -StrictRuns off to check only the shape of citations."));
            }
            else
            {
                CheckExistence(repository, store, citations, strictRuns == StrictRuns.Warn ? FindingSeverity.Warning : FindingSeverity.Error, findings);
            }
        }

        return findings
            .OrderBy(f => f.File ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Line)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ThenBy(f => f.CitedId, StringComparer.Ordinal)
            .ToList();
    }

    private static void CheckExistence(
        SwarmRepository repository,
        RunStoreReader? store,
        IReadOnlyCollection<(string File, FindingFrontMatter FrontMatter)> citations,
        FindingSeverity severity,
        ConcurrentBag<LedgerFinding> findings)
    {
        var ledgerNames = LedgerDirectoryListing.JsonFileNames(repository);
        var ledgerIds = LedgerDirectoryListing.EntryIds(ledgerNames);
        var storeIds = store is null ? [] : store.RunIds();
        var batchIndex = ReadLedger(repository, ledgerNames, ledgerIds, citations, findings);

        var unresolvedRuns = new List<(string File, RunCitation Run)>();
        var unmatchedBatches = new List<(string File, BatchCitation Batch)>();
        foreach (var (file, frontMatter) in citations)
        {
            unresolvedRuns.AddRange(frontMatter.Runs.Where(run => !ledgerIds.Contains(run.Id) && !storeIds.Contains(run.Id)).Select(run => (file, run)));
            foreach (var batch in frontMatter.Batches)
            {
                var inLedger = batchIndex.TryGetValue(batch.Experiment, out var statuses)
                    && (batch.Statuses.Count == 0 || statuses.Any(batch.Statuses.Contains));
                var inStore = !inLedger && store is not null && store.CountBatch(batch.Experiment, batch.Statuses) > 0;
                if (!inLedger && !inStore)
                {
                    unmatchedBatches.Add((file, batch));
                }
            }
        }

        if (unresolvedRuns.Count == 0 && unmatchedBatches.Count == 0)
        {
            return;
        }

        // During a migration from aexp, what SwarmPS does not know yet may be in .aexp/ledger/ (read only now,
        // and only what is still unresolved): a warning naming the conversion, not a broken citation.
        var aexp = AexpCitationIndex.Read(repository, unresolvedRuns.Select(r => r.Run.Id).ToList(), everyEntry: unmatchedBatches.Count > 0);
        foreach (var problem in aexp?.Problems ?? [])
        {
            findings.Add(problem);
        }

        foreach (var (file, run) in unresolvedRuns)
        {
            if (aexp is not null && aexp.TryGetRun(run.Id, out var status))
            {
                findings.Add(new LedgerFinding(CitedInAexpLedgerCode, FindingSeverity.Warning, file, run.Line, run.Id,
                    $"Run {run.Id} resolved only in .aexp/ledger/ (the aexp ledger), not in the SwarmPS ledger. "
                    + (status.IsTerminal()
                        ? "Run Convert-SwarmLedger -From Aexp, then commit the entries (git add .swarm/ledger; git commit) so every clone resolves it."
                        : $"It is {status.ToName()} there, and Convert-SwarmLedger -From Aexp converts it once aexp records its end; then commit the entries (git add .swarm/ledger; git commit).")));
                continue;
            }

            findings.Add(new LedgerFinding(BrokenRunCode, severity, file, run.Line, run.Id,
                $"Run {run.Id} is in neither the ledger nor this machine's run store. If it ran elsewhere, pull the repository (git pull) after that machine commits .swarm/ledger/; if it is still running it is not in the ledger yet; otherwise correct the id."));
        }

        foreach (var (file, batch) in unmatchedBatches)
        {
            if (aexp is not null && aexp.MatchesBatch(batch.Experiment, batch.Statuses))
            {
                findings.Add(new LedgerFinding(CitedInAexpLedgerCode, FindingSeverity.Warning, file, batch.Line, batch.Selector,
                    $"The batch {batch.Selector} matched runs only in .aexp/ledger/ (the aexp ledger), not in the SwarmPS ledger. Run Convert-SwarmLedger -From Aexp, then commit the entries (git add .swarm/ledger; git commit) so every clone resolves it."));
                continue;
            }

            findings.Add(new LedgerFinding(EmptyBatchCode, severity, file, batch.Line, batch.Selector,
                $"No run matches the batch {batch.Selector} in the ledger or this machine's run store. Link runs with Set-SwarmRunLink -Experiment {batch.Experiment}, pull the repository for runs made elsewhere, or correct the selector."));
        }
    }

    /// <summary>
    /// Reads the ledger files the citations depend on, once each, in one parallel pass: every file when
    /// some finding cites a batch (a batch can match any entry), otherwise only the cited entries, so a
    /// corrupt one is reported rather than trusted. Bad files become findings (exactly those of
    /// <see cref="LedgerEntryParser"/>); the good ones give each experiment's run statuses.
    /// </summary>
    private static Dictionary<string, HashSet<RunStatus>> ReadLedger(
        SwarmRepository repository,
        List<string> ledgerNames,
        HashSet<string> ledgerIds,
        IReadOnlyCollection<(string File, FindingFrontMatter FrontMatter)> citations,
        ConcurrentBag<LedgerFinding> findings)
    {
        var names = citations.Any(c => c.FrontMatter.Batches.Count > 0)
            ? ledgerNames
            : citations.SelectMany(c => c.FrontMatter.Runs).Select(r => r.Id).Where(ledgerIds.Contains).Distinct(StringComparer.Ordinal).Select(id => id + ".json").ToList();

        var read = LedgerFileScan.Read<object>(
            repository.LedgerDirectory,
            names,
            (name, bytes) => LedgerEntrySummary.Read(bytes, name) is var (summary, problem) && problem is not null ? problem : summary,
            (name, error) => LedgerEntryParser.Unreadable(name, error));

        var index = new Dictionary<string, HashSet<RunStatus>>(StringComparer.Ordinal);
        foreach (var item in read)
        {
            if (item is LedgerFinding problem)
            {
                findings.Add(problem);
                continue;
            }

            var entry = (LedgerEntrySummary)item;
            foreach (var experiment in entry.Experiments)
            {
                if (!index.TryGetValue(experiment, out var statuses))
                {
                    index[experiment] = statuses = [];
                }

                statuses.Add(entry.Status);
            }
        }

        return index;
    }

    private static IReadOnlyList<string> FindingFiles(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return [full];
        }

        if (!Directory.Exists(full))
        {
            throw new SwarmException(
                "PathNotFound",
                $"'{path}' is neither a finding file nor a directory.",
                "Give a markdown finding or a directory of findings, e.g. -Path ./findings.",
                SwarmErrorCategory.ObjectNotFound,
                path);
        }

        var files = new List<string>();
        var pending = new Stack<string>([full]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            files.AddRange(Directory.EnumerateFiles(directory, "*.md"));
            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                // .git, .swarm and other hidden trees hold no findings; a linked directory is not walked
                // (a link to a parent would make the walk endless).
                if (!Path.GetFileName(child).StartsWith('.') && new DirectoryInfo(child).LinkTarget is null)
                {
                    pending.Push(child);
                }
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>Finding files are shown relative to the repository, so reports carry no absolute paths.</summary>
    private static string Shown(SwarmRepository repository, string file)
    {
        var relative = Path.GetRelativePath(repository.Root, file);
        return relative.StartsWith("..", StringComparison.Ordinal) ? file : relative.Replace('\\', '/');
    }
}
