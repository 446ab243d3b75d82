using System.Management.Automation;

namespace SwarmPS.Surface.Samples;

// Cmdlets that keep every rule: each rule's test proves it stays silent on these.

[Cmdlet(VerbsCommon.Get, "SwarmSample", DefaultParameterSetName = "ByName")]
[OutputType(typeof(SampleRecord))]
public sealed class GetSwarmSampleCommand : PSCmdlet
{
    [Parameter]
    public string RunId { get; set; } = "";

    // Neither set requires its own parameter, but the default set settles a call with -RunId alone.
    [Parameter(ParameterSetName = "ByName")]
    public string Name { get; set; } = "";

    [Parameter(ParameterSetName = "ById", Mandatory = true)]
    public string Id { get; set; } = "";
}

[Cmdlet(VerbsLifecycle.Stop, "SwarmSample", SupportsShouldProcess = true)]
[OutputType(typeof(SampleSubRecord))]
public sealed class StopSwarmSampleCommand : PSCmdlet
{
    // No default set: each set requires a parameter of its own, so the binder can always tell them apart.
    [Parameter(ParameterSetName = "ByName", Mandatory = true)]
    public string Name { get; set; } = "";

    [Parameter(ParameterSetName = "ById", Mandatory = true)]
    public string Id { get; set; } = "";

    [Parameter]
    public SwitchParameter Force { get; set; }
}
