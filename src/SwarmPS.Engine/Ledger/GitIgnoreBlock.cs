using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The lines SwarmPS owns in a repository's <c>.gitignore</c>, between <c># swarmps:begin</c> and
/// <c># swarmps:end</c>: ignore everything in <c>.swarm/</c> (the machine-local run store) except the
/// ledger, the repository's redaction patterns (shared, so every clone redacts alike) and its settings
/// (<see cref="RepositoryConfig"/>: every clone derives ids alike), and the
/// ledger's temporary files. Lines outside the markers belong to the user and are never
/// edited; the ones that would stop git re-including the ledger are reported with the line to delete.
/// </summary>
public static class GitIgnoreBlock
{
    public const string BeginMarker = "# swarmps:begin";
    public const string EndMarker = "# swarmps:end";

    public static IReadOnlyList<string> Lines { get; } =
    [
        BeginMarker,
        ".swarm/*",
        "!.swarm/ledger/",
        "!" + RedactionRule.RepositoryFile,
        "!.swarm/config.json",
        ".swarm/ledger/.*" + AtomicFile.TemporarySuffix,
        EndMarker,
    ];

    /// <summary>The text with the block added or refreshed, and whether that changed anything.</summary>
    public static (string Text, bool Changed) Apply(string existing, string fileForErrors)
    {
        var newline = existing.Contains("\r\n") ? "\r\n" : "\n";
        var lines = SplitLines(existing);
        var (begin, end) = FindBlock(lines, fileForErrors);
        List<string> result;
        if (begin < 0)
        {
            result = new List<string>(lines);
            if (result.Count > 0 && result[^1].Length > 0)
            {
                result.Add("");
            }

            result.AddRange(Lines);
        }
        else
        {
            result = lines.Take(begin).Concat(Lines).Concat(lines.Skip(end + 1)).ToList();
        }

        var text = string.Join(newline, result) + newline;
        return (text, text != existing);
    }

    /// <summary>User lines that would keep <c>.swarm/ledger/</c> out of git, each with the fix.</summary>
    public static IReadOnlyList<LedgerFinding> FindHidingLines(string text, string file)
    {
        var lines = SplitLines(text);
        var (begin, end) = FindBlock(lines, file);
        var findings = new List<LedgerFinding>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (begin >= 0 && i >= begin && i <= end)
            {
                continue;
            }

            var pattern = GitIgnorePattern.Parse(lines[i]);
            if (pattern is null)
            {
                continue;
            }

            string? why = null;
            if (pattern.Matches(".swarm", isDirectory: true))
            {
                why = "excludes the .swarm directory itself, and git cannot re-include a file whose parent directory is excluded";
            }
            else if ((begin < 0 || i > end)
                && (pattern.Matches(".swarm/ledger", isDirectory: true)
                    || pattern.Matches(".swarm/ledger/0123456789abcdef0123456789abcdef.json", isDirectory: false)))
            {
                why = "comes after the swarmps block and excludes the ledger again";
            }

            if (why is not null)
            {
                findings.Add(new LedgerFinding(
                    "GitIgnoreHidesLedger",
                    FindingSeverity.Warning,
                    file,
                    i + 1,
                    null,
                    $"Line {i + 1} ('{lines[i].Trim()}') {why}, so ledger entries would never be committed. Delete line {i + 1}; the swarmps block already keeps the machine-local files in .swarm/ out of git."));
            }
        }

        return findings;
    }

    private static (int Begin, int End) FindBlock(List<string> lines, string file)
    {
        var begin = lines.FindIndex(l => l.Trim() == BeginMarker);
        var end = lines.FindIndex(l => l.Trim() == EndMarker);
        if (begin < 0 && end < 0)
        {
            return (-1, -1);
        }

        if (begin < 0 || end < begin || lines.FindLastIndex(l => l.Trim() == BeginMarker) != begin || lines.FindLastIndex(l => l.Trim() == EndMarker) != end)
        {
            throw new SwarmException(
                "GitIgnoreBlockBroken",
                $"'{file}' has unmatched or repeated '{BeginMarker}' / '{EndMarker}' markers, so SwarmPS cannot tell its lines from yours.",
                $"Edit '{file}' so it holds exactly one '{BeginMarker}' line followed later by one '{EndMarker}' line (or none of either), then run Initialize-SwarmRepository again.",
                SwarmErrorCategory.InvalidData,
                file);
        }

        return (begin, end);
    }

    private static List<string> SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }
}
