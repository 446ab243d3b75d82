using System.Management.Automation;
using SwarmPS.Engine.Control;

namespace SwarmPS.Cmdlets;

/// <summary>Stop-SwarmWorkflow: stops one execution of a workflow; an execution that already ended is returned as it is.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SwarmWorkflow", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowExecution))]
public sealed class StopSwarmWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string ExecutionId { get; set; } = "";

    protected override void ProcessRecord() => RunForItem(() =>
    {
        var control = Control();
        if (ShouldProcess($"execution {ExecutionId} on agent '{Agent}' of run {RunId}", "Stop"))
        {
            WriteObject(Await(_ => control.StopAsync(ExecutionId, TimeSpan.FromSeconds(Timeout), null, StopToken)));
        }
    });
}
