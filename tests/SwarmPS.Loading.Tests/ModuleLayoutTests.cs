namespace SwarmPS.Loading.Tests;

/// <summary>The laid-out bin/ carries what Import-Module needs on every platform SwarmPS supports.</summary>
public sealed class ModuleLayoutTests
{
    private static readonly string Dependencies = Path.Combine(DependencyIsolationTests.RepoRoot(), "bin", "dependencies");

    [Theory]
    [InlineData("linux-x64", "libe_sqlite3.so")]
    [InlineData("linux-arm64", "libe_sqlite3.so")]
    [InlineData("osx-arm64", "libe_sqlite3.dylib")]
    [InlineData("win-x64", "e_sqlite3.dll")]
    public void Native_SQLite_is_laid_out_for(string rid, string fileName)
    {
        var path = Path.Combine(Dependencies, "runtimes", rid, "native", fileName);
        Assert.True(File.Exists(path), $"{path} is missing; the engine's SQLitePCLRaw bundle must ship it.");
        Assert.True(new FileInfo(path).Length > 100_000, $"{path} is too small to be a SQLite build.");
    }

    [Theory]
    [InlineData("SwarmPS.Engine.dll")]
    [InlineData("YamlDotNet.dll")]
    [InlineData("Microsoft.Data.Sqlite.dll")]
    [InlineData("SQLitePCLRaw.core.dll")]
    public void Managed_dependency_is_in_dependencies_not_beside_the_cmdlets(string fileName)
    {
        Assert.True(File.Exists(Path.Combine(Dependencies, fileName)), $"bin/dependencies/{fileName} is missing.");
        // A copy beside SwarmPS.Cmdlets.dll would be loaded into PowerShell's default context and clash.
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(Dependencies)!, fileName)), $"bin/{fileName} must not exist.");
    }
}
