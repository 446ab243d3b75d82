using System.Collections;
using System.Management.Automation;
using SwarmPS.Cmdlets.Scheduler;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>New-SwarmTaskSet: a sweep's tasks from axes, ranges, an explicit list and seeds.</summary>
[Cmdlet(VerbsCommon.New, "SwarmTaskSet")]
[ChangesNothing("Builds a task set in memory; nothing is written or submitted until Submit-SwarmJob.")]
[OutputType(typeof(TaskSet))]
public sealed class NewSwarmTaskSetCommand : SwarmCmdlet
{
    /// <summary>Named axes crossed with each other: @{ lr = 0.1, 0.01; depth = 2, 4 }.</summary>
    [Parameter(Position = 0)]
    public IDictionary? Axis { get; set; }

    /// <summary>Evenly spaced axes: @{ x = start, stop, count }.</summary>
    [Parameter]
    public IDictionary? Linspace { get; set; }

    /// <summary>Log-spaced axes: @{ lr = startExponent, stopExponent, count } (base 10).</summary>
    [Parameter]
    public IDictionary? Logspace { get; set; }

    /// <summary>An explicit list of tasks, each a hashtable of the same parameter names.</summary>
    [Parameter(ValueFromPipeline = true)]
    public IDictionary[]? Tasks { get; set; }

    /// <summary>Run every task once per seed 0..Seeds-1 (parameter 'seed').</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Seeds { get; set; }

    [Parameter]
    public long SeedStart { get; set; }

    private readonly List<IDictionary> _rows = new();

    protected override void ProcessRecord() => Run(() =>
    {
        if (Tasks is not null)
        {
            _rows.AddRange(Tasks);
        }
    });

    protected override void EndProcessing() => Run(() =>
    {
        var axes = new List<TaskAxis>();
        axes.AddRange(TaskSetArguments.Entries(Axis).Select(e => TaskAxis.Of(e.Name, e.Values)));
        foreach (var (name, values) in TaskSetArguments.Entries(Linspace))
        {
            var (start, stop, count) = TaskSetArguments.Range(name, values);
            axes.Add(TaskAxis.Linspace(name, start, stop, count));
        }

        foreach (var (name, values) in TaskSetArguments.Entries(Logspace))
        {
            var (start, stop, count) = TaskSetArguments.Range(name, values);
            axes.Add(TaskAxis.Logspace(name, start, stop, count));
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(Seeds)))
        {
            axes.Add(TaskAxis.Seeds(Seeds, SeedStart));
        }

        WriteObject(TaskSet.Create(_rows.Select(TaskSetArguments.Row).ToList(), axes));
    });
}
