namespace SwarmPS.Engine.Intents;

/// <summary>
/// Finds the intent files (<c>*.intent.json</c>) under a set of roots and reads them, most recent first
/// (provenance created time, newest first; then path). The walk is bounded: at most <see cref="MaxDepth"/>
/// directories below a root, symbolic links are never followed (so no loop), and directories whose name
/// starts with '.' (<c>.git</c>, <c>.swarm</c>, <c>.venv</c>) are not entered. A file that cannot be read
/// or is refused is a warning and is skipped; only a root that does not exist stops the query.
/// </summary>
public static class IntentSearch
{
    public const int MaxDepth = 8;

    public static IntentSearchResult Find(IReadOnlyList<string> roots, string? taskKind = null, string? namePattern = null)
    {
        var name = string.IsNullOrEmpty(namePattern) ? null : NameGlob.Parse(namePattern);
        var warnings = new List<SwarmException>();
        var intents = new List<CampaignIntent>();
        foreach (var file in Files(roots, warnings).Distinct(StringComparer.Ordinal))
        {
            CampaignIntent intent;
            try
            {
                intent = IntentFile.Read(file);
            }
            catch (SwarmException error)
            {
                warnings.Add(error);
                continue;
            }

            if ((taskKind is null || string.Equals(intent.TaskKind, taskKind, StringComparison.OrdinalIgnoreCase))
                && (name is null || name.IsMatch(intent.Name)))
            {
                intents.Add(intent);
            }
        }

        var ordered = intents
            .OrderByDescending(i => i.Provenance.CreatedUtc)
            .ThenBy(i => i.Path, StringComparer.Ordinal)
            .ToList();
        return new IntentSearchResult(ordered, warnings);
    }

    private static IEnumerable<string> Files(IReadOnlyList<string> roots, List<SwarmException> warnings)
    {
        foreach (var root in roots.Select(System.IO.Path.GetFullPath))
        {
            if (!Directory.Exists(root))
            {
                throw new SwarmException(
                    "IntentRootNotFound",
                    $"The intent root '{root}' is not a directory.",
                    "Give existing directories to -Root, or fix intent_roots in your config.yaml.",
                    SwarmErrorCategory.ObjectNotFound,
                    root);
            }

            var pending = new Stack<(string Directory, int Depth)>();
            pending.Push((root, 0));
            while (pending.Count > 0)
            {
                var (directory, depth) = pending.Pop();
                FileSystemInfo[] entries;
                try
                {
                    entries = new DirectoryInfo(directory).GetFileSystemInfos();
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    warnings.Add(new SwarmException(
                        "IntentRootUnreadable",
                        $"The directory '{directory}' cannot be listed ({error.Message}); intents in it were not read.",
                        "Check its permissions, or leave it out of the roots.",
                        SwarmErrorCategory.PermissionDenied,
                        directory));
                    continue;
                }

                foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    if (entry is DirectoryInfo sub)
                    {
                        if (sub.LinkTarget is null && !sub.Name.StartsWith('.') && depth < MaxDepth)
                        {
                            pending.Push((sub.FullName, depth + 1));
                        }
                    }
                    else if (entry.Name.EndsWith(IntentFile.Suffix, StringComparison.Ordinal) && !entry.Name.StartsWith('.'))
                    {
                        // A link is handed to the reader, which refuses it by name: the user hears why it was skipped.
                        yield return entry.FullName;
                    }
                }
            }
        }
    }
}
