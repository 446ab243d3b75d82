using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>The manifest reader copes with the ways people write a .psd1 list.</summary>
public sealed class ManifestTextTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-manifest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Reads_a_multiline_list_with_comments_and_mixed_quotes()
    {
        var manifest = Write("""
            @{
                # CmdletsToExport = @('Commented-Out')
                CmdletsToExport = @(
                    'Get-SwarmA',   # trailing comment with a ) in it
                    "Get-SwarmB"
                    'Get-Swarm''Quoted'
                )
            }
            """);
        Assert.Equal(new[] { "Get-SwarmA", "Get-SwarmB", "Get-Swarm'Quoted" }, manifest.StringList("CmdletsToExport"));
    }

    [Fact]
    public void Reads_a_bare_list_an_empty_list_and_an_absent_key()
    {
        var manifest = Write("""
            @{
                FormatsToProcess = 'a.format.ps1xml',
                    'b.format.ps1xml'
                FunctionsToExport = @()
                <# AliasesToExport = @('x') #>
            }
            """);
        Assert.Equal(new[] { "a.format.ps1xml", "b.format.ps1xml" }, manifest.StringList("FormatsToProcess"));
        Assert.Empty(manifest.StringList("FunctionsToExport")!);
        Assert.Null(manifest.StringList("AliasesToExport"));
    }

    [Fact]
    public void Reads_the_real_manifest()
    {
        var manifest = new ManifestText(SurfaceLocations.ModuleManifest);
        Assert.Contains("Get-SwarmAgentId", manifest.StringList("CmdletsToExport")!);
        Assert.Empty(manifest.StringList("FunctionsToExport")!);
        Assert.Contains("module/SwarmPS.Campaigns.format.ps1xml", manifest.StringList("FormatsToProcess")!);
    }

    private ManifestText Write(string text)
    {
        var path = Path.Combine(_directory, "Test.psd1");
        File.WriteAllText(path, text);
        return new ManifestText(path);
    }
}
