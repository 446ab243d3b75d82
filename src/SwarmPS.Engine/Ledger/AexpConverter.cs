using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Convert-SwarmLedger -From Aexp: writes each terminal aexp 0.6 entry (<c>.aexp/ledger/</c>) as the SwarmPS
/// ledger entry of the same id, so every citation written against aexp stays valid. Only in a repository whose
/// ids are signac's (<see cref="RunIdScheme.Signac"/>), where a statepoint run again here gets the same id.
/// The entry goes through the same projection and sanitizer as a promotion (<see cref="LedgerProjection"/>,
/// <see cref="StatepointScrubber"/>, <c>.swarm/redact.txt</c>) and the same write (<see cref="AtomicFile"/>,
/// durable, 0600, never through a linked ledger directory). Nothing already in <c>.swarm/ledger/</c> is lost:
/// an entry equal apart from <c>promoted_at</c> is unchanged, one that differs is a conflict left as it is, and
/// the write itself never replaces a file (an entry written meanwhile is compared, not overwritten). The aexp
/// files are only read.
/// </summary>
public static class AexpConverter
{
    public const string LiveCode = "AexpEntryLive";
    public const string ConflictCode = "AexpEntryConflict";
    public const string NotWrittenCode = "AexpEntryNotWritten";

    /// <summary>How many entries are written at once: enough to overlap their fsyncs, few enough for a login node.</summary>
    private const int ConcurrentWrites = 8;

    /// <summary>Reads the aexp ledger and decides what each entry becomes; writes nothing.</summary>
    public static AexpConversionPlan Plan(SwarmRepository repository)
    {
        RepositoryConfig.RequireScheme(repository, RunIdScheme.Signac, "Convert-SwarmLedger -From Aexp");
        repository.EnsureInitialized();
        if (AexpLedger.LinkedDirectory(repository) is { } linkedAexp)
        {
            throw new SwarmException(
                AexpLedger.LinkedCode,
                $"{linkedAexp} in '{repository.Root}' is a symbolic link, so the aexp ledger was not read (it could point anywhere).",
                "Replace the link with the directory it points to (a real .aexp/ledger/ in the repository), then run Convert-SwarmLedger -From Aexp again.",
                SwarmErrorCategory.InvalidData,
                Path.Combine(repository.Root, linkedAexp));
        }

        if (!AexpLedger.Exists(repository))
        {
            throw new SwarmException(
                "AexpLedgerNotFound",
                $"'{repository.Root}' has no {AexpLedger.RelativeDirectory}/ directory, so there is no aexp ledger to convert.",
                "Run this in the repository whose root holds aexp's .aexp/ledger/ (pull it first if another machine committed it), or pass -Repository.",
                SwarmErrorCategory.ObjectNotFound,
                AexpLedger.DirectoryOf(repository));
        }

        ThrowIfLedgerLinked(repository);
        var rule = RedactionRule.ForRepository(repository);
        var findings = new List<LedgerFinding>();
        var toWrite = new List<AexpEntry>();
        int unchanged = 0, conflicts = 0, skipped = 0, invalid = 0;
        var read = AexpLedger.Read(repository, AexpLedger.FileNames(repository));
        foreach (var item in read.OrderBy(i => i is AexpEntry e ? e.File : ((LedgerFinding)i).File, StringComparer.Ordinal))
        {
            if (item is LedgerFinding problem)
            {
                invalid++;
                findings.Add(problem);
                continue;
            }

            var entry = (AexpEntry)item;
            if (!entry.Status.IsTerminal())
            {
                skipped++;
                findings.Add(new LedgerFinding(LiveCode, FindingSeverity.Warning, entry.File, 0, entry.Id,
                    $"Run {entry.Id} is {entry.Status.ToName()} in aexp; only a terminal run goes to the ledger, so it was skipped. Run Convert-SwarmLedger -From Aexp again once aexp records its end."));
                continue;
            }

            switch (CompareExisting(repository, Project(repository, entry, rule), entry.Id))
            {
                case (Existing.None, _):
                    toWrite.Add(entry);
                    break;
                case (Existing.Same, _):
                    unchanged++;
                    break;
                case (_, var reason):
                    conflicts++;
                    findings.Add(Conflict(entry, reason!));
                    break;
            }
        }

        return new AexpConversionPlan(repository, rule, toWrite, unchanged, conflicts, skipped, invalid, findings);
    }

    /// <summary>Writes the plan's entries; the counts and findings of the plan carry over into the result.</summary>
    /// <param name="plan">From <see cref="Plan"/>.</param>
    /// <param name="clock">Gives each entry its <c>promoted_at</c>; null is the system clock.</param>
    /// <param name="cancellationToken">Stops starting new writes; those written stay.</param>
    public static AexpConversionResult Apply(AexpConversionPlan plan, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        clock ??= TimeProvider.System;
        var repository = plan.Repository;
        ThrowIfLedgerLinked(repository);
        OwnerOnly.CreateDirectory(repository.LedgerDirectory);
        var findings = new ConcurrentBag<LedgerFinding>(plan.Findings);
        int converted = 0, unchanged = plan.Unchanged, conflicts = plan.Conflicts, failed = 0;
        Parallel.ForEach(plan.Entries, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentWrites, CancellationToken = cancellationToken }, entry =>
        {
            var path = repository.LedgerEntryPath(entry.Id);
            var entryText = Project(repository, entry, plan.Rule);
            entryText["promoted_at"] = LedgerProjection.Timestamp(clock.GetUtcNow());
            try
            {
                // Never replaces a file: an entry that appeared since the plan (a promotion of the same
                // statepoint here) is compared below instead of lost.
                AtomicFile.WriteAllText(path, CanonicalJson.SerializeIndented(entryText), durable: true, flushDirectory: false, overwrite: false);
                Interlocked.Increment(ref converted);
            }
            catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
            {
                if (CompareExisting(repository, Project(repository, entry, plan.Rule), entry.Id) is (Existing.Same, _))
                {
                    Interlocked.Increment(ref unchanged);
                }
                else
                {
                    Interlocked.Increment(ref conflicts);
                    findings.Add(Conflict(entry, "was written while the conversion ran, and differs"));
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref failed);
                findings.Add(new LedgerFinding(NotWrittenCode, FindingSeverity.Error, entry.File, 0, entry.Id,
                    $"Could not write .swarm/ledger/{entry.Id}.json: {error.Message} Fix the cause, then run Convert-SwarmLedger -From Aexp again (entries already written are left unchanged)."));
            }
        });

        if (converted > 0)
        {
            try
            {
                DirectorySync.Flush(repository.LedgerDirectory);
            }
            catch (IOException error)
            {
                findings.Add(new LedgerFinding(NotWrittenCode, FindingSeverity.Error, ".swarm/ledger", 0, null,
                    $"Could not flush .swarm/ledger to disk after converting: {error.Message} Run Convert-SwarmLedger -From Aexp again once the cause is fixed (entries on disk count as unchanged)."));
            }
        }

        var ordered = findings
            .OrderBy(f => f.File ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Code, StringComparer.Ordinal)
            .ToList();
        return new AexpConversionResult(converted, unchanged, conflicts, plan.Skipped, plan.Invalid, failed, ordered);
    }

    /// <summary>Plan and apply in one step.</summary>
    public static AexpConversionResult Convert(SwarmRepository repository, TimeProvider? clock = null, CancellationToken cancellationToken = default) =>
        Apply(Plan(repository), clock, cancellationToken);

    private enum Existing
    {
        None,
        Same,
        Different,
    }

    /// <summary>The SwarmPS entry of the aexp entry without <c>promoted_at</c>, sanitized exactly as a promotion is.</summary>
    private static SortedDictionary<string, object?> Project(SwarmRepository repository, AexpEntry entry, RedactionRule rule) =>
        LedgerProjection.ProjectRecord(entry, entry.CreatedAt, repository.Root, rule);

    /// <summary>
    /// Whether <c>.swarm/ledger/&lt;id&gt;.json</c> is absent, the same as <paramref name="projection"/> apart
    /// from <c>promoted_at</c> (rendered with the file's own <c>promoted_at</c>, the bytes compared), or
    /// different. A file that is refused (a link, a FIFO, over 1 MiB) or not JSON is different: it is kept.
    /// </summary>
    private static (Existing, string?) CompareExisting(SwarmRepository repository, SortedDictionary<string, object?> projection, string id)
    {
        byte[]? bytes;
        try
        {
            bytes = BoundedFileRead.ReadAllBytes(repository.LedgerEntryPath(id), BoundedFileRead.LedgerEntryLimit, followLinks: false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return (Existing.Different, $"could not be read to compare ({error.Message})");
        }

        if (bytes is null)
        {
            return (Existing.None, null);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("promoted_at", out var promoted)
                && promoted.ValueKind == JsonValueKind.String)
            {
                projection["promoted_at"] = promoted.GetString();
            }
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return (Existing.Different, "is not a JSON ledger entry");
        }

        return Encoding.UTF8.GetBytes(CanonicalJson.SerializeIndented(projection)).AsSpan().SequenceEqual(bytes)
            ? (Existing.Same, null)
            : (Existing.Different, "differs from the converted aexp entry");
    }

    private static LedgerFinding Conflict(AexpEntry entry, string reason) =>
        new(ConflictCode, FindingSeverity.Error, entry.File, 0, entry.Id,
            $".swarm/ledger/{entry.Id}.json already exists and {reason}, so it was kept as it is. Compare it with {entry.File} (Get-SwarmLedger -Id {entry.Id}): if the aexp entry is the right one, remove the SwarmPS entry (git rm .swarm/ledger/{entry.Id}.json) and convert again; otherwise leave both.");

    private static void ThrowIfLedgerLinked(SwarmRepository repository)
    {
        if (LedgerPromoter.LinkedDirectory(repository) is { } linked)
        {
            throw new SwarmException(
                LedgerPromoter.DirectoryLinkedId,
                $"{linked} in '{repository.Root}' is a symbolic link, so converted entries would be written wherever it points.",
                "Replace the link with a real directory (git rm the link, then Initialize-SwarmRepository) and convert again.",
                SwarmErrorCategory.InvalidData,
                Path.Combine(repository.Root, linked));
        }
    }
}
