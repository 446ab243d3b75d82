using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// Proves every surface rule can fire: run over the deliberately broken samples (tests/SwarmPS.Surface.Samples
/// and BrokenSamples/), each rule reports exactly what was planted for it — no more (the well-formed
/// samples and the other planted cmdlets stay silent), no less.
/// </summary>
public sealed class BrokenSampleTests
{
    private static readonly Lazy<ModuleSurface> Samples = new(() => ModuleSurface.Load(
        SurfaceLocations.SamplesAssembly,
        new[] { SurfaceLocations.PowerShellReference },
        Path.Combine(SurfaceLocations.BrokenSamples, "SwarmPS.Samples.psd1"),
        Path.Combine(SurfaceLocations.BrokenSamples, "help")));

    [Fact]
    public void All_sample_cmdlets_are_read()
    {
        Assert.Equal(16, Samples.Value.Cmdlets.Count);
        var stop = Samples.Value.Cmdlets.Single(cmdlet => cmdlet.Name == "Stop-SwarmSample");
        Assert.True(stop.SupportsShouldProcess);
        Assert.Equal(new[] { "ById", "ByName" }, stop.NamedParameterSets);
        Assert.Equal("SwarmPS.Surface.Samples.SampleSubRecord", Assert.Single(stop.OutputTypes).FullName);
        Assert.Equal("ByName", Samples.Value.Cmdlets.Single(cmdlet => cmdlet.Name == "Get-SwarmSample").DefaultParameterSetName);
    }

    [Fact]
    public void ExportedTypeLayout_reports_each_way_a_type_needs_the_isolated_assembly_and_nothing_else()
    {
        var violations = ExportedTypeLayout.Violations(
            SurfaceLocations.SamplesAssembly, new[] { SurfaceLocations.PowerShellReference }, "System.Text.Json");

        Assert.Collection(
            violations,
            found => Assert.StartsWith("SwarmPS.Surface.Samples.SampleWithIsolatedBase: derives from System.Text.Json.Serialization.JsonConverterFactory", found),
            found => Assert.StartsWith("SwarmPS.Surface.Samples.SampleWithIsolatedEnum: field <Kind>k__BackingField is of the value type System.Text.Json.JsonValueKind", found),
            found => Assert.StartsWith("SwarmPS.Surface.Samples.SampleWithIsolatedNullable: field Element is of the value type System.Nullable`1[System.Text.Json.JsonElement]", found));
    }

    [Fact]
    public void ApprovedVerb_reports_the_unapproved_verb() => AssertReports(
        SurfaceRules.ApprovedVerb,
        "Fetch-SwarmThing: verb 'Fetch' is not an approved PowerShell verb.");

    [Fact]
    public void SwarmNoun_reports_the_noun_without_prefix() => AssertReports(
        SurfaceRules.SwarmNoun,
        "Get-WidgetReport: noun 'WidgetReport' does not start with 'Swarm'");

    [Fact]
    public void OutputTypeDeclared_reports_the_cmdlet_without_OutputType() => AssertReports(
        SurfaceRules.OutputTypeDeclared,
        "Get-SwarmSilent: no [OutputType].");

    [Fact]
    public void ShouldProcess_rule_reports_the_state_changing_cmdlet_without_it() => AssertReports(
        SurfaceRules.ShouldProcessWhenChangingState,
        "Start-SwarmPretender: verb 'Start' always changes state, so [ChangesNothing] cannot excuse it",
        "Start-SwarmReckless: verb 'Start' changes state but the cmdlet lacks SupportsShouldProcess.");

    [Fact]
    public void ClassNamedAfterCommand_reports_the_misnamed_class() => AssertReports(
        SurfaceRules.ClassNamedAfterCommand,
        "Get-SwarmMisnamed: class is named SwarmMisnamedGetter. Fix: rename it (and its file) to GetSwarmMisnamedCommand.");

    [Fact]
    public void SwitchParameterNotBool_reports_the_bool_parameter() => AssertReports(
        SurfaceRules.SwitchParameterNotBool,
        "Set-SwarmToggle: parameter -Enabled is a bool.");

    [Fact]
    public void ManifestExports_reports_missing_ghost_unsorted_and_functions() => AssertReports(
        SurfaceRules.ManifestExportsMatchAssembly,
        "Get-SwarmUnexported: compiled but not in SwarmPS.Samples.psd1 CmdletsToExport.",
        "Get-SwarmGhost: listed in SwarmPS.Samples.psd1 CmdletsToExport but no such cmdlet is compiled.",
        "SwarmPS.Samples.psd1: CmdletsToExport is not in alphabetical order.",
        "SwarmPS.Samples.psd1: FunctionsToExport must be @()");

    [Fact]
    public void HelpDocuments_reports_the_undocumented_parameter_the_codeless_example_and_the_missing_file() => AssertReports(
        SurfaceRules.HelpDocumentsEveryParameter,
        "Get-SwarmHelpless: no help file.",
        "Get-SwarmNoExample: Get-SwarmNoExample.md has no '### Example' section with a code block.",
        "Get-SwarmUndocumented: parameter -Secret is not documented in Get-SwarmUndocumented.md.");

    [Fact]
    public void OutputTypesHaveViews_reports_missing_broken_unlisted_files_and_the_type_without_view() => AssertReports(
        SurfaceRules.OutputTypesHaveViews,
        "module/Missing.format.ps1xml: listed in SwarmPS.Samples.psd1 FormatsToProcess but missing.",
        "module/Broken.format.ps1xml: not well-formed XML (line 9",
        "module/Unlisted.format.ps1xml: not listed in SwarmPS.Samples.psd1 FormatsToProcess",
        "Get-SwarmOrphan: output type SwarmPS.Surface.Samples.OrphanRecord has no view.");

    [Fact]
    public void ParameterSetsDistinguishable_reports_only_the_ambiguous_cmdlet() => AssertReports(
        SurfaceRules.ParameterSetsDistinguishable,
        "Get-SwarmAmbiguous: parameter sets 'ById' and 'ByName' are ambiguous when only their shared parameters are given.");

    /// <summary>The rule reports one violation per expected prefix, in order, and nothing else.</summary>
    private static void AssertReports(Func<ModuleSurface, IReadOnlyList<string>> rule, params string[] expectedPrefixes)
    {
        var violations = rule(Samples.Value);
        Assert.True(
            violations.Count == expectedPrefixes.Length,
            $"expected {expectedPrefixes.Length} violation(s), got {violations.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
        for (var index = 0; index < expectedPrefixes.Length; index++)
        {
            Assert.StartsWith(expectedPrefixes[index], violations[index], StringComparison.Ordinal);
            Assert.Contains("Fix:", violations[index], StringComparison.Ordinal);
        }
    }
}
