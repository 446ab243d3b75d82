using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the cmdlets that take named agents of one run (Get-SwarmAgentId, Register-SwarmMailbox): each
/// agent is its own item, so one bad name is reported and the others go on.
/// </summary>
public abstract class RunAgentsCmdlet : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Agent")]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var name in Name)
        {
            ProcessAgent(name);
        }
    });

    /// <summary>Does the command's work for agent <paramref name="name"/> of <see cref="RunId"/>.</summary>
    protected abstract void ProcessAgent(string name);
}
