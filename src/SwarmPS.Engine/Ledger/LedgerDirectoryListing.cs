using System.IO.Enumeration;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The ledger directory read by file name only. An entry's name is its id, so "is this run in the
/// ledger?" is a directory listing, not 100,000 file reads.
/// </summary>
internal static class LedgerDirectoryListing
{
    /// <summary>Ids of the well-named entries (<c>&lt;32 hex&gt;.json</c>); temporaries and strays are left out.</summary>
    public static HashSet<string> EntryIds(SwarmRepository repository) => EntryIds(JsonFileNames(repository));

    /// <summary>Ids of the well-named entries among names already listed.</summary>
    public static HashSet<string> EntryIds(IEnumerable<string> jsonFileNames)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in jsonFileNames)
        {
            var id = name[..^".json".Length];
            if (LedgerRunId.IsValid(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>Every visible <c>*.json</c> file name in the ledger directory (hidden temporaries skipped).</summary>
    public static List<string> JsonFileNames(SwarmRepository repository) => JsonFileNames(repository.LedgerDirectory);

    /// <summary>Every visible <c>*.json</c> file name in <paramref name="directory"/> (also the aexp ledger's, <see cref="AexpLedger"/>).</summary>
    public static List<string> JsonFileNames(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        // Names straight from the directory entries: no full paths built and cut again, and no stat per
        // file (the entry type comes with the listing).
        var entries = new FileSystemEnumerable<string>(
            directory,
            (ref FileSystemEntry entry) => entry.FileName.ToString(),
            new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory
                && entry.FileName.EndsWith(".json", StringComparison.Ordinal)
                && !(entry.FileName.Length > 0 && entry.FileName[0] == '.'),
        };
        return entries.ToList();
    }
}
