using System.Management.Automation;
using SwarmPS.Engine.Control;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmWorkflow: the executions a run's workflow agent knows, oldest first, with their states.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmWorkflow")]
[OutputType(typeof(WorkflowExecution))]
public sealed class GetSwarmWorkflowCommand : WorkflowCmdlet
{
    /// <summary>Only these executions (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string[] ExecutionId { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        var control = Control();
        var patterns = ExecutionId.Select(id => new WildcardPattern(id, WildcardOptions.IgnoreCase)).ToList();
        foreach (var execution in Await(_ => control.ListAsync(TimeSpan.FromSeconds(Timeout), StopToken)))
        {
            if (patterns.Count == 0 || patterns.Any(pattern => pattern.IsMatch(execution.ExecutionId)))
            {
                WriteObject(execution);
            }
        }
    });
}
