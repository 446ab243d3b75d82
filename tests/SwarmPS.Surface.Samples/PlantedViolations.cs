using System.Management.Automation;

namespace SwarmPS.Surface.Samples;

// Each class below breaks exactly one surface rule (named in its comment) and keeps the others, so the
// rule's test can assert it reports this cmdlet and nothing else.

/// <summary>PLANTED ApprovedVerb: "Fetch" is not an approved verb.</summary>
[Cmdlet("Fetch", "SwarmThing")]
[OutputType(typeof(SampleRecord))]
public sealed class FetchSwarmThingCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED SwarmNoun: the noun lacks the Swarm prefix.</summary>
[Cmdlet(VerbsCommon.Get, "WidgetReport")]
[OutputType(typeof(SampleRecord))]
public sealed class GetWidgetReportCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED OutputTypeDeclared: no [OutputType].</summary>
[Cmdlet(VerbsCommon.Get, "SwarmSilent")]
public sealed class GetSwarmSilentCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED ShouldProcessWhenChangingState: Start changes state, no SupportsShouldProcess.</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmReckless")]
[OutputType(typeof(SampleRecord))]
public sealed class StartSwarmRecklessCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED ShouldProcessWhenChangingState: Start always changes state; [ChangesNothing] cannot excuse it.</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmPretender")]
[OutputType(typeof(SampleRecord))]
[ChangesNothing("claims to be harmless, but it is a Start cmdlet")]
public sealed class StartSwarmPretenderCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED ClassNamedAfterCommand: should be GetSwarmMisnamedCommand.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmMisnamed")]
[OutputType(typeof(SampleRecord))]
public sealed class SwarmMisnamedGetter : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED ParameterSetsDistinguishable: `Get-SwarmAmbiguous` alone fits both sets, no default.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmAmbiguous")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmAmbiguousCommand : PSCmdlet
{
    [Parameter(ParameterSetName = "ByName")]
    public string Name { get; set; } = "";

    [Parameter(ParameterSetName = "ById")]
    public string Id { get; set; } = "";
}

/// <summary>PLANTED SwitchParameterNotBool: -Enabled is a bool.</summary>
[Cmdlet(VerbsCommon.Set, "SwarmToggle", SupportsShouldProcess = true)]
[OutputType(typeof(SampleRecord))]
public sealed class SetSwarmToggleCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";

    [Parameter]
    public bool Enabled { get; set; }
}

/// <summary>PLANTED HelpDocumentsEveryParameter: help has no `### -Secret` section.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmUndocumented")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmUndocumentedCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";

    [Parameter]
    public string Secret { get; set; } = "";
}

/// <summary>PLANTED HelpDocumentsEveryParameter: its example section has no code block.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmNoExample")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmNoExampleCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED HelpDocumentsEveryParameter: no help file at all.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmHelpless")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmHelplessCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED OutputTypesHaveViews: OrphanRecord has no view.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmOrphan")]
[OutputType(typeof(OrphanRecord))]
public sealed class GetSwarmOrphanCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

/// <summary>PLANTED ManifestExportsMatchAssembly: compiled but missing from the sample manifest.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmUnexported")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmUnexportedCommand : PSCmdlet
{
    [Parameter]
    public string Name { get; set; } = "";
}

// PLANTED ExportedTypeLayout, with System.Text.Json standing in for the isolated engine assembly: each type
// below needs it laid out while PowerShell scans the exported types (BrokenSampleTests names all four);
// the last one reaches it only in ways resolved later and must stay silent.

/// <summary>PLANTED: an enum of the isolated assembly as an auto-property (its backing field).</summary>
public sealed class SampleWithIsolatedEnum
{
    public System.Text.Json.JsonValueKind Kind { get; set; }
}

/// <summary>PLANTED: a Nullable of an isolated struct as a static field.</summary>
public static class SampleWithIsolatedNullable
{
    public static System.Text.Json.JsonElement? Element;
}

/// <summary>PLANTED: a base type from the isolated assembly.</summary>
public sealed class SampleWithIsolatedBase : System.Text.Json.Serialization.JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => false;

    public override System.Text.Json.Serialization.JsonConverter? CreateConverter(Type typeToConvert, System.Text.Json.JsonSerializerOptions options) => null;
}

/// <summary>Silent: a reference-typed field and signatures are resolved after OnImport.</summary>
public sealed class SampleWithLateIsolatedUse
{
    private System.Text.Json.JsonSerializerOptions? _options;

    public System.Text.Json.JsonValueKind KindOf(System.Text.Json.JsonElement element) => element.ValueKind;

    public System.Text.Json.JsonSerializerOptions Options => _options ??= new();
}
