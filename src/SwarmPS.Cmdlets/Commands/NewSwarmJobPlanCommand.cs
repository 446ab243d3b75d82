using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>New-SwarmJobPlan: splits a task set into arrays and waves for one site. Plans only; submits nothing.</summary>
[Cmdlet(VerbsCommon.New, "SwarmJobPlan")]
[ChangesNothing("Plans arrays and waves in memory (at most read-only queries: the scheduler's array limit, the shipped code's record); Submit-SwarmJob does the submitting.")]
[OutputType(typeof(JobPlan))]
public sealed class NewSwarmJobPlanCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TaskSet Tasks { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string Site { get; set; } = "";

    /// <summary>Program and arguments run for every task; parameters arrive as SWARM_KW_&lt;NAME&gt;.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string[] Command { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxArraySize { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxConcurrentJobs { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Throttle { get; set; }

    [Parameter]
    public TimeSpan TaskDuration { get; set; }

    [Parameter]
    public TimeSpan Walltime { get; set; }

    [Parameter]
    public string? Queue { get; set; }

    [Parameter]
    public string? Account { get; set; }

    /// <summary>Memory per task in bytes (write -Memory 4GB); rendered per scheduler in whole MiB. Checked by the planner (at least 1 MiB).</summary>
    [Parameter]
    public long Memory { get; set; }

    /// <summary>GPUs per task; the planner checks it (1 or more) and refuses it where the site cannot request GPUs.</summary>
    [Parameter]
    public int Gpus { get; set; }

    /// <summary>The name of code shipped to the site with Sync-SwarmCode: its tree hash keys the job, its folder is SWARM_CODE_DIR.</summary>
    [Parameter]
    public string? Code { get; set; }

    /// <summary>Extra scheduler options passed through as they are, e.g. '--mem=4G' or '-l', 'mem=4gb'.</summary>
    [Parameter]
    public string[] Resources { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        var site = SiteCatalog.Default.Get(Site);
        var bound = MyInvocation.BoundParameters;
        var options = new JobPlanOptions
        {
            MaxArraySize = bound.ContainsKey(nameof(MaxArraySize)) ? MaxArraySize : null,
            MaxConcurrentJobs = bound.ContainsKey(nameof(MaxConcurrentJobs)) ? MaxConcurrentJobs : null,
            Throttle = bound.ContainsKey(nameof(Throttle)) ? Throttle : null,
            TaskDuration = bound.ContainsKey(nameof(TaskDuration)) ? TaskDuration : null,
            Walltime = bound.ContainsKey(nameof(Walltime)) ? Walltime : null,
            Queue = Queue,
            Account = Account,
            Memory = bound.ContainsKey(nameof(Memory)) ? Memory : null,
            Gpus = bound.ContainsKey(nameof(Gpus)) ? Gpus : null,
            Code = Code,
            Resources = Resources,
        };

        // Relative paths in the command mean what they mean here, although each task runs in results/<task>/.
        var origin = JobOrigin.At(SessionState.Path.CurrentFileSystemLocation.ProviderPath);
        WriteObject(Await(_ => WavePlanner.PlanAsync(site, Command, Tasks, options, origin, cancellationToken: StopToken)));
    });
}
