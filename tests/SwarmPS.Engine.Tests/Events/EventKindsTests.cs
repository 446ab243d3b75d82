using System.Text.RegularExpressions;
using SwarmPS.Engine.Events;

namespace SwarmPS.Engine.Tests.Events;

public sealed class EventKindsTests
{
    /// <summary>The kinds of docs/launch.md's events table ("| `a` / `b` | ..."), in table order.</summary>
    private static IReadOnlyList<string> DocumentedInLaunchMd()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "launch.md"));
        var table = text[text.IndexOf("## Events (`kind` and fields)", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        return table.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => Regex.Matches(line.Split('|')[1], "`([a-z_]+)`").Select(match => match.Groups[1].Value))
            .ToList();
    }

    [Fact]
    public void The_completion_list_is_the_documented_table_in_its_order()
    {
        Assert.Equal(DocumentedInLaunchMd(), EventKinds.Documented);
    }

    [Fact]
    public void Every_kind_the_launcher_records_is_documented()
    {
        // The launcher's own kinds are string literals at its Record calls; a new one must reach the docs.
        var source = string.Join("\n", Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "src", "SwarmPS.Engine", "Launch"), "*.cs").Select(File.ReadAllText));
        var recorded = Regex.Matches(source, @"Record\([^,]*,\s*""([a-z_]+)""").Select(match => match.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(recorded);
        Assert.All(recorded, kind => Assert.Contains(kind, EventKinds.Documented));
    }
}
