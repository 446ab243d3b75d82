namespace SwarmPS.Surface.Tests;

/// <summary>
/// The README's two set-up commands are the project's contract with operators and with CI: the first code
/// block holds exactly them, and .ci/run runs exactly the README's test command.
/// </summary>
public sealed class EntryPointTests
{
    private static readonly string Root = SurfaceLocations.RepoRoot;

    [Fact]
    public void README_opens_with_exactly_the_two_setup_commands()
    {
        // Each sets itself up on a machine with only the .NET SDK: pwsh from the tool manifest (issue 9).
        Assert.Equal(
            new[] { "dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo", "dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test" },
            FirstCodeBlock(Path.Combine(Root, "README.md")));
    }

    [Fact]
    public void CI_runs_exactly_the_README_test_command()
    {
        var testCommand = FirstCodeBlock(Path.Combine(Root, "README.md"))[1];
        var ci = File.ReadAllLines(Path.Combine(Root, ".ci", "run"));
        Assert.Equal("#!/usr/bin/env bash", ci[0]);
        Assert.Contains("set -euo pipefail", ci);
        Assert.Contains(testCommand, ci);
    }

    [Fact]
    public void Build_script_offers_the_documented_tasks()
    {
        var script = File.ReadAllText(Path.Combine(Root, "build.ps1"));
        foreach (var task in new[] { "Build", "Test", "Package", "Docs", "Demo", "Clean" })
        {
            Assert.Contains($"function Invoke-Task{task} {{", script, StringComparison.Ordinal);
            Assert.Contains($"'{task}'", script, StringComparison.Ordinal);
        }
    }

    private static string[] FirstCodeBlock(string markdown)
    {
        var lines = File.ReadAllLines(markdown);
        var start = Array.FindIndex(lines, line => line.StartsWith("```", StringComparison.Ordinal));
        var end = Array.FindIndex(lines, start + 1, line => line.StartsWith("```", StringComparison.Ordinal));
        Assert.True(start >= 0 && end > start, "README.md has no fenced code block.");
        return lines[(start + 1)..end].Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
    }
}
