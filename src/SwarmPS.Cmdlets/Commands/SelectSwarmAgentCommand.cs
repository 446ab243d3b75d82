using System.Management.Automation;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Cmdlets;

/// <summary>Select-SwarmAgent: the slice of a campaign one site runs.</summary>
[Cmdlet(VerbsCommon.Select, "SwarmAgent")]
[OutputType(typeof(Campaign))]
public sealed class SelectSwarmAgentCommand : SwarmCmdlet
{
    /// <summary>Agent names; "a,b" and "a, ,b," are read as lists, as operators type them.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Agent")]
    [AllowEmptyString]
    [AllowEmptyCollection]
    [ArgumentCompleter(typeof(AgentNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [Alias("InputObject")]
    public Campaign? Campaign { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        // Empty names are let through binding so the engine can say which agents there are to choose.
        RunForItem(() => WriteObject(CampaignSlice.Select(Campaign!, Name)));
    });
}
