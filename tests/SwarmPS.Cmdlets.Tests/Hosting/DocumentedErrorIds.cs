using System.Text.RegularExpressions;

namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// The error ids docs/ names. There is no single error-id table: each pillar's page documents its own ids
/// (a table in launch.md and remote-shell.md, "## Error ids" lists in ledger.md and scheduler.md, an
/// "Error ids." paragraph in exchange.md, "## Errors" in sites.md, prose lists in campaigns.md), so an id
/// counts as documented when some page of docs/ names it as a whole word.
/// </summary>
public static partial class DocumentedErrorIds
{
    private static readonly Lazy<HashSet<string>> Words = new(() => Directory
        .EnumerateFiles(RepositoryLayout.Docs, "*.md", SearchOption.AllDirectories)
        .SelectMany(file => PascalWord().Matches(File.ReadAllText(file)).Select(match => match.Value))
        .ToHashSet(StringComparer.Ordinal));

    public static bool Contains(string errorId) => Words.Value.Contains(errorId);

    [GeneratedRegex(@"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b")]
    private static partial Regex PascalWord();
}
