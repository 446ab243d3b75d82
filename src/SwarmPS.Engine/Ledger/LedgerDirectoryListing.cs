namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The ledger directory read by file name only. An entry's name is its id, so "is this run in the
/// ledger?" is a directory listing, not 100,000 file reads.
/// </summary>
internal static class LedgerDirectoryListing
{
    /// <summary>Ids of the well-named entries (<c>&lt;32 hex&gt;.json</c>); temporaries and strays are left out.</summary>
    public static HashSet<string> EntryIds(SwarmRepository repository)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in JsonFileNames(repository))
        {
            var id = name[..^".json".Length];
            if (LedgerRunId.IsValid(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>Every visible <c>*.json</c> name in the ledger directory (hidden temporaries skipped).</summary>
    public static IEnumerable<string> JsonFileNames(SwarmRepository repository)
    {
        if (!Directory.Exists(repository.LedgerDirectory))
        {
            return [];
        }

        return Directory.EnumerateFiles(repository.LedgerDirectory, "*.json", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 })
            .Select(Path.GetFileName)
            .Where(name => name is not null && !name.StartsWith('.'))
            .Select(name => name!);
    }
}
