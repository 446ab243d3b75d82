using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// Every exported cmdlet is exercised by the Pester acceptance suite (tests/pester/*.Tests.ps1) that
/// operators run on hosts with pwsh. Pester cannot run here, but its coverage can be checked.
/// </summary>
public sealed class AcceptanceCoverageTests
{
    [Fact]
    public void Every_exported_cmdlet_appears_in_a_pester_acceptance_file()
    {
        var exported = new ManifestText(SurfaceLocations.ModuleManifest).StringList("CmdletsToExport") ?? Array.Empty<string>();
        var pester = Directory.GetFiles(Path.Combine(SurfaceLocations.RepoRoot, "tests", "pester"), "*.Tests.ps1")
            .Select(File.ReadAllText)
            .ToList();
        Assert.NotEmpty(exported);
        var uncovered = exported
            .Where(cmdlet => !pester.Any(text => text.Contains(cmdlet, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        Assert.True(uncovered.Count == 0, $"No tests/pester/*.Tests.ps1 exercises: {string.Join(", ", uncovered)}. Fix: add an It block for each.");
    }
}
