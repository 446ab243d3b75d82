using System.Reflection;
using System.Runtime.Loader;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// The Retry safe column of docs/errors.md prints the engine's one table of retry-safe ids
/// (src/SwarmPS.Engine/ErrorRetry.cs, which the swarmps launcher reports as retry_safe): every row has the
/// column, a row says yes exactly when the table holds its id, and the table names no id the catalog lacks.
/// The table is read from the BUILT engine (bin/dependencies/SwarmPS.Engine.dll), so what is checked is what
/// ships, not a reading of the source.
/// </summary>
public sealed class ErrorCatalogRetryTests
{
    private static readonly string Catalog = Path.Combine(SurfaceLocations.RepoRoot, "docs", "errors.md");

    [Fact]
    public void Every_row_of_the_catalog_says_yes_or_no_in_its_retry_safe_column()
    {
        var text = File.ReadAllText(Catalog);
        Assert.Contains("| ErrorId | Pillar | Meaning | Fix | Retry safe |", text, StringComparison.Ordinal);
        var malformed = ErrorCatalogTests.MalformedRows(text).ToList();
        Assert.True(malformed.Count == 0, "Rows of docs/errors.md without a Retry safe cell of 'yes' or 'no' (add it as the fifth column; the table is src/SwarmPS.Engine/ErrorRetry.cs):\n  " + string.Join("\n  ", malformed));
    }

    [Fact]
    public void The_retry_safe_column_and_the_engine_table_agree()
    {
        var mismatches = Compare(ErrorCatalogTests.CatalogRows(File.ReadAllText(Catalog)).ToList(), EngineSafeIds());
        Assert.True(mismatches.Count == 0, "docs/errors.md's Retry safe column and src/SwarmPS.Engine/ErrorRetry.cs disagree:\n  " + string.Join("\n  ", mismatches));
    }

    [Fact]
    public void The_engine_table_is_not_empty_and_not_everything()
    {
        // A table emptied (or filled) by mistake would still agree with a column rewritten to match it; the
        // ids below are the two ends the launcher's tests rely on.
        var safe = EngineSafeIds();
        Assert.Contains("ExchangeUnreachable", safe);
        Assert.DoesNotContain("RunIdInvalid", safe);
    }

    // The comparison on a planted catalog, so the test above can fail each way.
    [Fact]
    public void The_comparison_reports_each_kind_of_disagreement()
    {
        const string catalog = """
            | ErrorId | Pillar | Meaning | Fix | Retry safe |
            |---|---|---|---|---|
            | `PlantedAgreesYes` | Planted | m | f | yes |
            | `PlantedAgreesNo` | Planted | m | f | no |
            | `PlantedDocsSayYes` | Planted | m | f | yes |
            | `PlantedDocsSayNo` | Planted | m | f | no |
            | `PlantedNoColumn` | Planted | m | f |
            """;
        var rows = ErrorCatalogTests.CatalogRows(catalog).ToList();
        Assert.Equal(["PlantedAgreesYes", "PlantedAgreesNo", "PlantedDocsSayYes", "PlantedDocsSayNo"], rows.Select(row => row.Id));
        Assert.Equal(["| `PlantedNoColumn` | Planted | m | f |"], ErrorCatalogTests.MalformedRows(catalog).Select(line => line.Trim()));

        var mismatches = Compare(rows, new HashSet<string> { "PlantedAgreesYes", "PlantedDocsSayNo", "PlantedNotInCatalog" });
        Assert.Equal(
            [
                "PlantedDocsSayNo: the table says retry-safe, the docs say no",
                "PlantedDocsSayYes: the docs say retry-safe, the table does not hold it",
                "PlantedNotInCatalog: in the table but not a row of docs/errors.md",
            ],
            mismatches);
    }

    private static List<string> Compare(IReadOnlyList<ErrorCatalogTests.CatalogRow> rows, IReadOnlySet<string> safe)
    {
        var documented = rows.ToDictionary(row => row.Id, row => row.RetrySafe, StringComparer.Ordinal);
        var mismatches = new List<string>();
        foreach (var (id, docsSafe) in documented)
        {
            if (docsSafe && !safe.Contains(id))
            {
                mismatches.Add($"{id}: the docs say retry-safe, the table does not hold it");
            }
            else if (!docsSafe && safe.Contains(id))
            {
                mismatches.Add($"{id}: the table says retry-safe, the docs say no");
            }
        }

        mismatches.AddRange(safe.Where(id => !documented.ContainsKey(id)).Select(id => $"{id}: in the table but not a row of docs/errors.md"));
        mismatches.Sort(StringComparer.Ordinal);
        return mismatches;
    }

    // ErrorRetry uses only the BCL, so the engine loads alone in a context of its own (collectible, so the
    // test process keeps no second copy) and its SafeIds is read by reflection.
    private static IReadOnlySet<string> EngineSafeIds()
    {
        var context = new AssemblyLoadContext("ErrorCatalogRetryTests", isCollectible: true);
        try
        {
            var engine = context.LoadFromAssemblyPath(Path.Combine(SurfaceLocations.ModuleDependencies, "SwarmPS.Engine.dll"));
            var table = engine.GetType("SwarmPS.Engine.ErrorRetry", throwOnError: true)!;
            var ids = (IEnumerable<string>)table.GetProperty("SafeIds", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            return ids.ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            context.Unload();
        }
    }
}
