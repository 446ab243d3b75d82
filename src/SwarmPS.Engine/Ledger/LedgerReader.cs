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
        IReadOnlyList<string> names = query.Ids.Count > 0
            ? query.Ids.Select(id => LedgerRunId.Validate(id) + ".json").Distinct(StringComparer.Ordinal).ToList()
            : LedgerDirectoryListing.JsonFileNames(repository);

        var statusMarkers = query.Ids.Count == 0 && query.Statuses.Count > 0
            ? query.Statuses.Select(s => System.Text.Encoding.UTF8.GetBytes($"\"status\": \"{s.ToName()}\"")).ToArray()
            : null;

        var read = LedgerFileScan.Read<object>(
            repository.LedgerDirectory,
            names,
            (name, bytes) =>
            {
                // A cheap byte search rules out most files before any parsing. A corrupt file that lacks the
                // marker is skipped here too; Test-SwarmCitation and an unfiltered read still report it.
                if (statusMarkers is not null && !ContainsAny(bytes, statusMarkers))
                {
                    return null;
                }

                var (entry, problem) = LedgerEntryParser.Parse(bytes, name);
                return problem is not null ? problem : query.Matches(entry!) ? entry : null;
            },
            (name, error) => LedgerEntryParser.Unreadable(name, error));

        var entries = read.OfType<LedgerEntry>().OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        var problems = read.OfType<LedgerFinding>().OrderBy(p => p.File, StringComparer.Ordinal).ToList();
        // An unreadable file is already reported as a problem; an id with neither is simply not in the ledger.
        var notFound = query.Ids
            .Except(entries.Select(e => e.Id), StringComparer.Ordinal)
            .Except(problems.Select(p => p.CitedId ?? ""), StringComparer.Ordinal)
            .Select(EntryNotFound)
            .ToList();
        return new LedgerReadResult(entries, problems) { NotFound = notFound };
    }

    private static bool ContainsAny(ReadOnlySpan<byte> bytes, byte[][] markers)
    {
        foreach (var marker in markers)
        {
            if (bytes.IndexOf(marker) >= 0)
            {
                return true;
            }
        }

        return false;
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

        throw EntryNotFound(id);
    }

    private static SwarmException EntryNotFound(string id) => new(
        "LedgerEntryNotFound",
        $"The ledger has no entry for run {id}.",
        "Pull the repository (git pull) to get entries from other machines, or run Sync-SwarmLedger on the machine that ran it and commit .swarm/ledger/.",
        SwarmErrorCategory.ObjectNotFound,
        id);
}
