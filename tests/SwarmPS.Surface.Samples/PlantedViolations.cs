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
