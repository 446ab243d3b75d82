using System.Text.RegularExpressions;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// Every BeginProcessing, ProcessRecord and EndProcessing of a cmdlet is an expression body over
/// <c>Run</c> or <c>RunForItem</c> (SwarmCmdlet.cs): only there does an engine error become an
/// ErrorRecord with its id and remediation, and Ctrl+C a stopped pipeline. A block body could throw
/// before or after the work it wraps, so it is refused even when it calls Run inside.
/// </summary>
public sealed partial class LifecycleInsideRunTests
{
    [Fact]
    public void Every_lifecycle_override_of_every_cmdlet_runs_inside_Run()
    {
        var source = Path.Combine(SurfaceLocations.RepoRoot, "src", "SwarmPS.Cmdlets");
        var outside = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(file => OverridesOutsideRun(File.ReadAllText(file)).Select(line => $"{Path.GetRelativePath(SurfaceLocations.RepoRoot, file)}:{line}"))
            .ToList();

        Assert.True(outside.Count == 0, "Write these as '=> Run(() => ...)' (or RunForItem for one item of many):\n  " + string.Join("\n  ", outside));
    }

    [Fact]
    public void The_check_finds_a_block_body_and_a_direct_call_and_passes_Run_and_RunForItem()
    {
        const string planted = """
            protected override void BeginProcessing() => Run(() => Open());
            protected override void ProcessRecord() => RunForItem(() => WriteObject(Item));
            protected override void EndProcessing()
            {
                Run(() => Close());
            }
            protected override void ProcessRecord() => WriteObject(Engine.Get());
            """;

        Assert.Equal(new[] { 3, 7 }, OverridesOutsideRun(planted));
    }

    /// <summary>The 1-based lines of lifecycle overrides whose body is not '=> Run(' or '=> RunForItem('.</summary>
    private static IReadOnlyList<int> OverridesOutsideRun(string text) =>
        LifecycleOverride().Matches(text)
            .Where(match => !match.Groups["body"].Value.StartsWith("=> Run(", StringComparison.Ordinal)
                && !match.Groups["body"].Value.StartsWith("=> RunForItem(", StringComparison.Ordinal))
            .Select(match => text[..match.Index].Count(c => c == '\n') + 1)
            .ToList();

    [GeneratedRegex(@"override\s+void\s+(BeginProcessing|ProcessRecord|EndProcessing)\s*\(\s*\)\s*(?<body>\S+\s*\w*\(?)")]
    private static partial Regex LifecycleOverride();
}
