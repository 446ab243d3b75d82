using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// The real module keeps every surface rule. Each rule is its own test so a failure names the rule, and
/// each violation message names the cmdlet and the fix.
/// </summary>
public sealed class ModuleSurfaceTests
{
    private static readonly Lazy<ModuleSurface> Module = new(() => ModuleSurface.Load(
        SurfaceLocations.ModuleAssembly,
        new[] { SurfaceLocations.PowerShellReference, SurfaceLocations.ModuleDependencies },
        SurfaceLocations.ModuleManifest,
        SurfaceLocations.ModuleHelp));

    [Fact]
    public void The_module_assembly_holds_cmdlets()
    {
        // Guards every rule below against passing vacuously on an empty reading.
        Assert.Contains(Module.Value.Cmdlets, cmdlet => cmdlet.Name == "Get-SwarmAgentId");
    }

    [Fact]
    public void Verbs_are_approved() => AssertKept(SurfaceRules.ApprovedVerb);

    [Fact]
    public void Nouns_start_with_Swarm() => AssertKept(SurfaceRules.SwarmNoun);

    [Fact]
    public void Every_cmdlet_declares_OutputType() => AssertKept(SurfaceRules.OutputTypeDeclared);

    [Fact]
    public void State_changing_cmdlets_support_ShouldProcess() => AssertKept(SurfaceRules.ShouldProcessWhenChangingState);

    [Fact]
    public void Classes_are_named_VerbNounCommand() => AssertKept(SurfaceRules.ClassNamedAfterCommand);

    [Fact]
    public void Switches_are_SwitchParameter_not_bool() => AssertKept(SurfaceRules.SwitchParameterNotBool);

    [Fact]
    public void Manifest_exports_exactly_the_compiled_cmdlets() => AssertKept(SurfaceRules.ManifestExportsMatchAssembly);

    [Fact]
    public void Help_documents_every_parameter_with_an_example() => AssertKept(SurfaceRules.HelpDocumentsEveryParameter);

    [Fact]
    public void Output_types_have_views_in_listed_format_files() => AssertKept(SurfaceRules.OutputTypesHaveViews);

    [Fact]
    public void Parameter_sets_are_distinguishable() => AssertKept(SurfaceRules.ParameterSetsDistinguishable);

    [Fact]
    public void No_exported_type_needs_the_engine_before_OnImport()
    {
        var violations = ExportedTypeLayout.Violations(
            SurfaceLocations.ModuleAssembly,
            new[] { SurfaceLocations.PowerShellReference, SurfaceLocations.ModuleDependencies },
            "SwarmPS.Engine");
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void Manifest_lists_at_least_one_format_file_and_every_one_loads()
    {
        Assert.NotEmpty(Module.Value.FormatFiles);
        Assert.All(Module.Value.FormatFiles, file => Assert.True(file.Exists && file.XmlError is null, file.ListedAs));
    }

    private static void AssertKept(Func<ModuleSurface, IReadOnlyList<string>> rule)
    {
        var violations = rule(Module.Value);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }
}
