using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Cmdlets;

/// <summary>Start-SwarmWorkflow: asks a running campaign's workflow agent to run a named workflow; returns the execution (its id is &lt;workflow&gt;-&lt;namespace&gt;-&lt;n&gt;).</summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmWorkflow", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowExecution))]
public sealed class StartSwarmWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>What the workflow is given (it gets them as JSON in SWARM_WORKFLOW_PARAMETERS).</summary>
    [Parameter]
    public Hashtable Parameters { get; set; } = new();

    /// <summary>Reuse to retry a start whose answer was lost: the agent starts one correlation id once.</summary>
    [Parameter]
    public Guid? CorrelationId { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var parameters = JsonSerializer.SerializeToNode(PowerShellValues.ToPlain(Parameters)) as JsonObject ?? new JsonObject();
        var control = Control();
        if (ShouldProcess($"workflow '{Name}' on agent '{Agent}' of run {RunId}", "Start"))
        {
            WriteObject(Await(_ => control.StartAsync(Name, parameters, TimeSpan.FromSeconds(Timeout), CorrelationId, StopToken)));
        }
    });
}
