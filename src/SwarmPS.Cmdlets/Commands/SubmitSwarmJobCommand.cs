using System.Management.Automation;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>Submit-SwarmJob: stages and submits a plan wave by wave, records it, returns the job.</summary>
[Cmdlet(VerbsLifecycle.Submit, "SwarmJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SwarmJob))]
public sealed class SubmitSwarmJobCommand : JobCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
    public JobPlan Plan { get; set; } = null!;

    /// <summary>Submit only the tasks of an earlier submission that are missing or failed.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Run the first task alone first, as its own job; submit the rest only when it succeeded.</summary>
    [Parameter]
    public SwitchParameter Canary { get; set; }

    /// <summary>How long the canary may take, queue wait included (default 30 minutes).</summary>
    [Parameter]
    public TimeSpan CanaryTimeout { get; set; } = CanaryOptions.DefaultTimeout;

    /// <summary>Paths relative to the task's result directory the canary must have written.</summary>
    [Parameter]
    public string[] CanaryOutput { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        var shell = SiteShell.For(Plan.Site);
        var store = OpenJobStore();
        var describer = new JobSubmitter(shell, store);

        // -WhatIf prints these exact commands and submits nothing.
        var commands = describer.Describe(Plan);
        var description = $"Submit job {Plan.Key} to site '{Plan.SiteName}' ({Plan.TaskCount} tasks, {Plan.ArrayCount} arrays, {Plan.WaveCount} waves):\n" + string.Join("\n", commands);
        var canary = Canary && store.Find(Plan.Key) is null;
        if (Canary)
        {
            CanaryTrial.CheckOutputs(CanaryOutput);
            description = canary
                ? $"First run task {Plan.TaskAtLine(1)} alone as canary job {CanaryTrial.KeyOf(Plan.Key)} and wait for it (at most {CanaryTimeout}); then:\n{description}"
                : description + "\n(no canary: this job was submitted before, so its tasks have run)";
        }

        if (!ShouldProcess(description, $"Submit {Plan.TaskCount} tasks to '{Plan.SiteName}'?", "Submit-SwarmJob"))
        {
            return;
        }

        // One run per task in the repository's run store; without a repository the submit goes on with a warning.
        if (Canary && !canary)
        {
            WriteWarning($"No canary: job {Plan.Key} was submitted before, so its tasks have run; -Canary applies to a first submit.");
        }

        if (canary)
        {
            var options = new CanaryOptions { Timeout = CanaryTimeout, Outputs = CanaryOutput };
            var passed = Await(writer => new CanaryTrial(shell, store).RunAsync(Plan, options, writer.Progress<string>(WriteVerbose), StopToken));
            WriteLandmark($"[site {Plan.SiteName}] {passed.Summary}");
        }

        WithRecorder(warnWhenNotRecording: true, recorder =>
        {
            var tracker = new JobTracker(shell, store, sink: recorder);
            var submitter = new JobSubmitter(shell, store, tracker, recorder);
            var result = Await(writer => submitter.SubmitAsync(Plan, Resume, writer.Progress<string>(WriteVerbose), StopToken));
            WriteLandmark($"[site {Plan.SiteName}] {result.Summary}");
            var job = Await(_ => tracker.QueryAsync(Plan.Site, new[] { result.Record }, null, StopToken));
            WriteObject(job[0]);
        });
    });
}
