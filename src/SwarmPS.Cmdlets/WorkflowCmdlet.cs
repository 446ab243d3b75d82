using System.Management.Automation;
using SwarmPS.Engine.Control;

namespace SwarmPS.Cmdlets;

/// <summary>Base of the workflow cmdlets: which run's workflow agent (-RunId, -Agent), and how long to wait for its answer.</summary>
public abstract class WorkflowCmdlet : ControlCmdlet
{
    /// <summary>The run whose workflow agent runs the workflows; default SWARM_RUN_ID.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string? RunId { get; set; }

    /// <summary>The workflow agent's name in the campaign.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Agent { get; set; } = WorkflowControl.DefaultAgent;

    /// <summary>Seconds to wait for the agent's answer.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int Timeout { get; set; } = 30;

    protected WorkflowControl Control()
    {
        var runId = !string.IsNullOrEmpty(RunId) ? RunId : Environment.GetEnvironmentVariable("SWARM_RUN_ID");
        if (string.IsNullOrEmpty(runId))
        {
            throw new Engine.SwarmException(
                "WorkflowRunIdRequired",
                "Which run's workflow agent? -RunId was not given and SWARM_RUN_ID is not set.",
                "Pass -RunId <run id> (Get-SwarmRun lists the runs of this machine).",
                Engine.SwarmErrorCategory.InvalidArgument);
        }

        RunId = runId;
        return new WorkflowControl(Client, Token(), ResolvedNamespace, Engine.Campaigns.CampaignRunId.Validate(runId), Agent);
    }
}
