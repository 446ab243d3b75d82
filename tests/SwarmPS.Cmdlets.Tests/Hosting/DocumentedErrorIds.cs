using System.Text.RegularExpressions;

namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// The error ids docs/errors.md lists, the one table of them (one row per id: | `Id` | pillar | meaning | fix |).
/// tests/SwarmPS.Surface.Tests/ErrorCatalogTests.cs keeps that table equal to what the source can raise;
/// here an error a cmdlet really raised is checked against it.
/// </summary>
public static partial class DocumentedErrorIds
{
    private static readonly Lazy<HashSet<string>> Ids = new(() => CatalogRow()
        .Matches(File.ReadAllText(Path.Combine(RepositoryLayout.Docs, "errors.md")))
        .Select(match => match.Groups["id"].Value)
        .ToHashSet(StringComparer.Ordinal));

    public static bool Contains(string errorId) => Ids.Value.Contains(errorId);

    [GeneratedRegex(@"^\|\s*`(?<id>[A-Za-z0-9]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex CatalogRow();
}
