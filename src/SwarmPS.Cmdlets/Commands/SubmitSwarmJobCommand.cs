using System.Management.Automation;
using SwarmPS.Engine;
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

    /// <summary>With -Resume: resume the sweep's earlier job although the shipped code changed since (JobCodeChanged otherwise).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

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
        if (Force && !Resume)
        {
            throw new SwarmException(
                "ForceNeedsResume",
                "-Force only lets -Resume continue a sweep's earlier job after its shipped code changed; without -Resume it has nothing to do.",
                "Add -Resume to resume the earlier job with the new code, or leave -Force out to submit the plan as it is.",
                SwarmErrorCategory.InvalidArgument,
                Plan.Key);
        }

        var shell = SiteShell.For(Plan.Site);
        var store = OpenJobStore();
        var describer = new JobSubmitter(shell, store);
        // Changed code under -Resume: refused, or with -Force the earlier job of the sweep (so -WhatIf shows it too).
        var plan = describer.ResumeTarget(Plan, Resume, Force);

        // -WhatIf prints these exact commands and submits nothing.
        var commands = describer.Describe(plan);
        var description = $"Submit job {plan.Key} to site '{plan.SiteName}' ({plan.TaskCount} tasks, {plan.ArrayCount} arrays, {plan.WaveCount} waves):\n" + string.Join("\n", commands);
        var canary = Canary && store.Find(plan.Key) is null;
        if (Canary)
        {
            CanaryTrial.CheckOutputs(CanaryOutput);
            description = canary
                ? $"First run task {plan.TaskAtLine(1)} alone as canary job {CanaryTrial.KeyOf(plan.Key)} and wait for it (at most {CanaryTimeout}); then:\n{description}"
                : description + "\n(no canary: this job was submitted before, so its tasks have run)";
        }

        if (!ShouldProcess(description, $"Submit {plan.TaskCount} tasks to '{plan.SiteName}'?", "Submit-SwarmJob"))
        {
            return;
        }

        // One run per task in the repository's run store; without a repository the submit goes on with a warning.
        if (Canary && !canary)
        {
            WriteWarning($"No canary: job {plan.Key} was submitted before, so its tasks have run; -Canary applies to a first submit.");
        }

        if (canary)
        {
            var options = new CanaryOptions { Timeout = CanaryTimeout, Outputs = CanaryOutput };
            var passed = Await(writer => new CanaryTrial(shell, store).RunAsync(plan, options, writer.Progress<string>(WriteVerbose), StopToken));
            WriteLandmark($"[site {plan.SiteName}] {passed.Summary}");
        }

        WithRecorder(warnWhenNotRecording: true, recorder =>
        {
            var tracker = new JobTracker(shell, store, sink: recorder);
            var submitter = new JobSubmitter(shell, store, tracker, recorder);
            var result = Await(writer => submitter.SubmitAsync(plan, Resume, writer.Progress<string>(WriteVerbose), StopToken));
            WriteLandmark($"[site {plan.SiteName}] {result.Summary}");
            var job = Await(_ => tracker.QueryAsync(plan.Site, new[] { result.Record }, null, StopToken));
            WriteObject(job[0]);
        });
    });
}
