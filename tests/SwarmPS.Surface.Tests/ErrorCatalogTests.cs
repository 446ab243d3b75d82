using System.Text.RegularExpressions;
using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// docs/errors.md is the one list of error ids: every id the engine and the cmdlets can raise is in it, and
/// every id in it can still be raised. The scanner reads the source (<see cref="ErrorIdScanner"/>), so a
/// new id, a renamed one, or a cmdlet throwing an error of its own fails here with the file and line.
/// </summary>
public sealed partial class ErrorCatalogTests
{
    private static readonly string Catalog = Path.Combine(SurfaceLocations.RepoRoot, "docs", "errors.md");

    private static ErrorIdScan ScanSource() => ErrorIdScanner.ScanDirectories(SurfaceLocations.RepoRoot, "src/SwarmPS.Engine", "src/SwarmPS.Cmdlets", "src/SwarmPS.Trainer");

    [Fact]
    public void Every_error_id_the_source_can_raise_is_documented_and_every_documented_id_can_still_be_raised()
    {
        var scan = ScanSource();
        var (undocumented, stale) = Compare(scan, DocumentedIds(File.ReadAllText(Catalog)));
        Assert.True(undocumented.Count == 0, "Error ids raised but not in docs/errors.md (add a row: id, pillar, meaning, fix):\n  " + string.Join("\n  ", undocumented));
        Assert.True(stale.Count == 0, "Error ids in docs/errors.md that nothing raises any more (remove or rename the row):\n  " + string.Join("\n  ", stale));
    }

    [Fact]
    public void Every_error_id_argument_can_be_read()
    {
        var unreadable = ScanSource().Unreadable;
        Assert.True(unreadable.Count == 0, "Error ids built at run time cannot be documented; use a literal or a constant:\n  " + string.Join("\n  ", unreadable));
    }

    [Fact]
    public void No_cmdlet_throws_an_error_of_its_own()
    {
        var plain = ScanSource().PlainThrows;
        Assert.True(plain.Count == 0, "Cmdlets must raise engine SwarmExceptions (a stable id and a remediation), not these:\n  " + string.Join("\n  ", plain));
    }

    [Fact]
    public void The_catalog_gives_each_id_once_with_a_pillar_a_meaning_and_a_fix()
    {
        var rows = CatalogRows(File.ReadAllText(Catalog)).ToList();
        Assert.NotEmpty(rows);
        Assert.Empty(rows.GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.All(rows, row =>
        {
            Assert.Matches("^[A-Z][A-Za-z0-9]+$", row.Id);
            Assert.False(string.IsNullOrWhiteSpace(row.Pillar), $"{row.Id} has no pillar");
            Assert.False(string.IsNullOrWhiteSpace(row.Meaning), $"{row.Id} has no meaning");
            Assert.False(string.IsNullOrWhiteSpace(row.Fix), $"{row.Id} has no fix");
        });
    }

    // The scanner and the comparison on planted samples: each way of raising an id is found, and each kind
    // of mismatch is reported, so the tests above can fail.
    private const string PlantedEngine = """
        namespace SwarmPS.Engine.Planted;

        public static class PlantedErrors
        {
            public const string ConstantId = "PlantedConstant";

            // new SwarmException("InAComment", "", "") is not raised.
            public static SwarmException ByHelper(string errorId, string message) => new(errorId, message, "fix");

            public static SwarmException TargetTyped() => new(
                "PlantedTargetTyped",
                "message with a \"quote\" and // not a comment",
                "fix");

            public static void Throws(string variable, string? maybe)
            {
                throw new SwarmException("PlantedLiteral", $"{variable} is bad", "fix", SwarmErrorCategory.InvalidData, variable);
                throw new Engine.SwarmException(ConstantId, "m", "r");
                throw ByHelper("PlantedViaHelper", "m");
                throw new SwarmException(maybe ?? "PlantedFallback", "m", "r");
                throw new SwarmException(variable, "relayed, not counted", "r");
                throw new SwarmException($"{variable}Invalid", "unreadable", "r");
            }
        }

        public sealed class PlantedSubclassException : SwarmException
        {
            public PlantedSubclassException() : base("PlantedSubclass", "m", "r") { }
        }

        public sealed class PlantedConfigException : SwarmException
        {
            public PlantedConfigException(string errorId, string problem) : base(errorId, problem, "r") { }
        }

        public static class PlantedReader
        {
            public static PlantedConfigException Missing(string key) => new(
                "PlantedSubclassTargetTyped", $"no {key}");
        }

        public sealed record PlantedOutcome(string Error)
        {
            public const string FailedId = "PlantedDefault";

            public static PlantedOutcome Failure(string error, string errorId = FailedId) => new(error);
        }

        public static class PlantedUse
        {
            public static void Use()
            {
                PlantedOutcome.Failure("uses the default");
                PlantedOutcome.Failure("named", errorId: "PlantedNamed");
            }
        }
        """;

    private const string PlantedCmdlet = """
        namespace SwarmPS.Cmdlets;

        public sealed class GetSwarmPlantedCommand : SwarmCmdlet
        {
            protected override void ProcessRecord()
            {
                ThrowTerminatingError(new ErrorRecord(new Exception(), "PlantedRecord", ErrorCategory.NotSpecified, null));
                throw new PSInvalidOperationException("no id, no remediation");
            }
        }
        """;

    private static ErrorIdScan ScanPlanted() => ErrorIdScanner.Scan(
    [
        ("src/SwarmPS.Engine/Planted/PlantedErrors.cs", PlantedEngine),
        ("src/SwarmPS.Cmdlets/Commands/GetSwarmPlantedCommand.cs", PlantedCmdlet),
    ]);

    [Fact]
    public void The_scanner_finds_every_way_of_raising_an_id_and_nothing_else()
    {
        var scan = ScanPlanted();
        Assert.Equal(
            new[]
            {
                "PlantedConstant", "PlantedDefault", "PlantedFallback", "PlantedLiteral", "PlantedNamed", "PlantedRecord",
                "PlantedSubclass", "PlantedSubclassTargetTyped", "PlantedTargetTyped", "PlantedViaHelper",
            },
            scan.IdSet.Order(StringComparer.Ordinal));
        Assert.Equal("$\"{variable}Invalid\"", Assert.Single(scan.Unreadable).Text);
        var plain = Assert.Single(scan.PlainThrows);
        Assert.Equal("PSInvalidOperationException", plain.Text);
        Assert.EndsWith("GetSwarmPlantedCommand.cs", plain.File);
        Assert.Equal(8, plain.Line);
        Assert.Equal(17, scan.Ids.Single(site => site.Text == "PlantedLiteral").Line);
    }

    [Fact]
    public void The_comparison_fails_both_ways()
    {
        const string catalog = """
            | ErrorId | Pillar | Meaning | Fix | Retry safe |
            |---|---|---|---|---|
            | `PlantedConstant` | Planted | m | f | no |
            | `PlantedRetired` | Planted | an id nothing raises any more | f | yes |
            """;
        var (undocumented, stale) = Compare(ScanPlanted(), DocumentedIds(catalog));
        Assert.Contains(undocumented, line => line.StartsWith("PlantedLiteral (src/SwarmPS.Engine/Planted/PlantedErrors.cs:17)", StringComparison.Ordinal));
        Assert.DoesNotContain(undocumented, line => line.StartsWith("PlantedConstant ", StringComparison.Ordinal));
        Assert.Equal(["PlantedRetired"], stale);
    }

    private static (List<string> Undocumented, List<string> Stale) Compare(ErrorIdScan scan, IReadOnlySet<string> documented)
    {
        var undocumented = scan.Ids
            .Where(site => !documented.Contains(site.Text))
            .GroupBy(site => site.Text)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => $"{group.Key} ({string.Join(", ", group.Select(site => $"{site.File}:{site.Line}"))})")
            .ToList();
        var stale = documented.Except(scan.IdSet).Order(StringComparer.Ordinal).ToList();
        return (undocumented, stale);
    }

    internal sealed record CatalogRow(string Id, string Pillar, string Meaning, string Fix, bool RetrySafe);

    internal static IEnumerable<CatalogRow> CatalogRows(string markdown) => CatalogRowPattern().Matches(markdown).Select(match => new CatalogRow(
        match.Groups["id"].Value, match.Groups["pillar"].Value.Trim(), match.Groups["meaning"].Value.Trim(), match.Groups["fix"].Value.Trim(),
        match.Groups["retry"].Value == "yes"));

    /// <summary>Lines that start like a row (| `Id` |) but are not one of five cells ending in yes or no: they would drop out of the catalog unseen.</summary>
    internal static IEnumerable<string> MalformedRows(string markdown) => markdown.Split('\n')
        .Where(line => line.TrimStart().StartsWith("| `", StringComparison.Ordinal) && !CatalogRowPattern().IsMatch(line.TrimEnd('\r')));

    private static IReadOnlySet<string> DocumentedIds(string markdown) => CatalogRows(markdown).Select(row => row.Id).ToHashSet(StringComparer.Ordinal);

    // A row: | `Id` | pillar | meaning | fix | yes or no |, where a cell may hold an escaped \| (a pipeline in a fix).
    // The last cell is the Retry safe column (src/SwarmPS.Engine/ErrorRetry.cs); a row without it is no row.
    [GeneratedRegex(@"^\s*\|\s*`(?<id>[^`]+)`\s*\|(?<pillar>(?:[^|\\\n]|\\.)*)\|(?<meaning>(?:[^|\\\n]|\\.)*)\|(?<fix>(?:[^|\\\n]|\\.)*)\|\s*(?<retry>yes|no)\s*\|[ \t\r]*$", RegexOptions.Multiline)]
    private static partial Regex CatalogRowPattern();
}
