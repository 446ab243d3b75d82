using System.Runtime.Loader;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>
/// The module imported into a runspace hosted by Microsoft.PowerShell.SDK (not pwsh) loads as it does in
/// pwsh: cmdlets from bin/, the engine and YamlDotNet only in the module's own load context.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ModuleLoadingTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    [Fact]
    public void ImportsTheBuiltModuleWithEveryCmdletTheManifestExports()
    {
        Assert.Equal(Path.Combine(RepositoryLayout.ModuleBin, "SwarmPS.Cmdlets.dll"), shell.Module.Path);
        var listed = shell.Run("(Import-PowerShellDataFile -Path $manifest).CmdletsToExport", ("manifest", RepositoryLayout.Manifest))
            .AssertNoErrors().Output.Select(name => name.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(listed.Count > 30, $"the manifest lists only {listed.Count} cmdlets");
        Assert.Equal(listed, shell.Module.ExportedCmdlets.Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void EngineAndYamlLoadOnlyInTheModulesOwnContext()
    {
        var campaign = CampaignFiles.Write(sandbox.NewDirectory("load"), "load-check");
        shell.Run("Import-SwarmCampaign -Path $path", ("path", campaign)).AssertNoErrors();

        var dependencies = Path.Combine(RepositoryLayout.ModuleBin, "dependencies");
        foreach (var name in new[] { "SwarmPS.Engine", "YamlDotNet" })
        {
            var loaded = AppDomain.CurrentDomain.GetAssemblies().Where(assembly => assembly.GetName().Name == name).ToList();
            var only = Assert.Single(loaded);
            Assert.Equal("SwarmPS.Dependencies", AssemblyLoadContext.GetLoadContext(only)!.Name);
            Assert.Equal(Path.Combine(dependencies, name + ".dll"), only.Location);
            Assert.DoesNotContain(AssemblyLoadContext.Default.Assemblies, assembly => assembly.GetName().Name == name);
        }
    }

    [Fact]
    public void NeitherCmdletsNorEngineAreCopiedBesideTheTests()
    {
        foreach (var file in new[] { "SwarmPS.Cmdlets.dll", "SwarmPS.Engine.dll", "YamlDotNet.dll", "Microsoft.Data.Sqlite.dll" })
        {
            Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, file)), $"{file} is beside the tests: the layout under test would not be the shipped one");
        }
    }
}
