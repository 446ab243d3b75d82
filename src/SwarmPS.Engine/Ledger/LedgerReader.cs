namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Reads the committed ledger. With ids it opens only those files. Otherwise it reads every entry, in
/// parallel, and skips parsing files that cannot match: an entry is canonical JSON, so
/// <c>"status": "failed"</c> appears in exactly that form, and a file without the wanted status text
/// is passed over without a JSON parse.
/// </summary>
public static class LedgerReader
{
    public static LedgerReadResult Read(SwarmRepository repository, LedgerQuery? query = null)
    {
        query ??= new LedgerQuery();
        IEnumerable<string> names = query.Ids.Count > 0
            ? query.Ids.Select(id => LedgerRunId.Validate(id) + ".json").Distinct(StringComparer.Ordinal).ToList()
            : LedgerDirectoryListing.JsonFileNames(repository);

        var statusMarkers = query.Ids.Count == 0 && query.Statuses.Count > 0
            ? query.Statuses.Select(s => System.Text.Encoding.UTF8.GetBytes($"\"status\": \"{s.ToName()}\"")).ToArray()
            : null;

        var entries = new System.Collections.Concurrent.ConcurrentBag<LedgerEntry>();
        var problems = new System.Collections.Concurrent.ConcurrentBag<LedgerFinding>();
        Parallel.ForEach(names, name =>
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(Path.Combine(repository.LedgerDirectory, name));
            }
            catch (FileNotFoundException)
            {
                return;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                problems.Add(new LedgerFinding(LedgerEntryParser.InvalidCode, FindingSeverity.Error, ".swarm/ledger/" + name, 0, null, $"Could not read the ledger file: {error.Message}"));
                return;
            }

            // A cheap byte search rules out most files before any parsing. A corrupt file that lacks the
            // marker is skipped here too; Test-SwarmCitation and an unfiltered read still report it.
            if (statusMarkers is not null && !statusMarkers.Any(marker => bytes.AsSpan().IndexOf(marker) >= 0))
            {
                return;
            }

            var (entry, problem) = LedgerEntryParser.Parse(bytes, name);
            if (problem is not null)
            {
                problems.Add(problem);
            }
            else if (query.Matches(entry!))
            {
                entries.Add(entry!);
            }
        });

        return new LedgerReadResult(
            entries.OrderBy(e => e.Id, StringComparer.Ordinal).ToList(),
            problems.OrderBy(p => p.File, StringComparer.Ordinal).ToList());
    }

    /// <summary>One entry by id, or <c>LedgerEntryNotFound</c>; an unreadable file is <c>LedgerEntryInvalid</c>.</summary>
    public static LedgerEntry ReadOne(SwarmRepository repository, string id)
    {
        var result = Read(repository, new LedgerQuery { Ids = [id] });
        if (result.Entries.Count == 1)
        {
            return result.Entries[0];
        }

        if (result.Problems.Count > 0)
        {
            throw new SwarmException(LedgerEntryParser.InvalidCode, result.Problems[0].Message, "See the message for the fix.", SwarmErrorCategory.InvalidData, id);
        }

        throw new SwarmException(
            "LedgerEntryNotFound",
            $"The ledger has no entry for run {id}.",
            "Pull the repository (git pull) to get entries from other machines, or run Sync-SwarmLedger on the machine that ran it and commit .swarm/ledger/.",
            SwarmErrorCategory.ObjectNotFound,
            id);
    }
}
