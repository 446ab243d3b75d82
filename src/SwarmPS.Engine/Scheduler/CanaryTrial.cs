using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Runs a sweep's first task alone before the sweep (Submit-SwarmJob -Canary): as a job of its own, with
/// its own key and job root, so its results never mix into the sweep's and a thousand tasks never queue
/// behind a typo. It waits for it, checks its exit code and its declared outputs, and returns, or throws
/// with the canary's stderr tail and the fix its failure suggests. The canary is a trial, not a run of
/// the sweep: it is not recorded in the ledger, and the sweep's own first task runs again with the rest.
/// A canary that failed runs again (a new attempt of the canary job) when the submit is repeated; one
/// that passed for the same command and tasks is not run again.
/// </summary>
public sealed class CanaryTrial
{
    /// <summary>The most of the canary's stderr an error shows: its last lines are what explain a failure.</summary>
    private const int StandardErrorTail = 2048;

    private readonly ISiteShell _shell;
    private readonly JobRecordStore _store;

    public CanaryTrial(ISiteShell shell, JobRecordStore store)
    {
        _shell = shell;
        _store = store;
    }

    /// <summary>The canary job's key: as long as a sweep's, and never one a sweep could have.</summary>
    public static string KeyOf(string sweepKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("swarm-canary-v1\0" + sweepKey));
        return Convert.ToHexString(hash, 0, 8).ToLowerInvariant();
    }

    /// <summary>
    /// The plan of the canary: a task set of the sweep's first task alone (so the canary job is one task,
    /// done when it is), in one array of one, under its own key.
    /// </summary>
    public static JobPlan PlanOf(JobPlan sweep)
    {
        var first = sweep.Tasks.GetTask(sweep.TaskAtLine(1)).ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
        return sweep with
        {
            Key = KeyOf(sweep.Key),
            Tasks = TaskSet.FromList(new[] { first }),
            Selection = null,
            TaskCount = 1,
            Waves = new[] { new PlannedWave(1, new[] { new PlannedArray(1, 1, 0, 1) }) },
            EstimatedWallClock = null,
        };
    }

    /// <summary>Refuses an output path that could name anything outside the task's result directory.</summary>
    public static void CheckOutputs(IEnumerable<string> outputs)
    {
        foreach (var output in outputs)
        {
            var parts = output.Split('/');
            if (string.IsNullOrWhiteSpace(output) || output.StartsWith('/') || output.StartsWith('~') || output.Contains('\0')
                || parts.Any(p => p is ".."))
            {
                throw new SwarmException(
                    "CanaryOutputInvalid",
                    $"The canary output '{output.Replace("\0", "\\0", StringComparison.Ordinal)}' is not a path inside the task's result directory.",
                    "Give -CanaryOutput as relative paths below the directory the task runs in (SWARM_TASK_DIR), e.g. 'metrics.json' or 'out/model.pt', with no '..'.",
                    SwarmErrorCategory.InvalidArgument,
                    output);
            }
        }
    }

    public async Task<CanaryResult> RunAsync(JobPlan sweep, CanaryOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckOutputs(options.Outputs);
        var plan = PlanOf(sweep);
        var tracker = new JobTracker(_shell, _store);
        var record = await SubmitAsync(plan, tracker, progress, cancellationToken).ConfigureAwait(false);
        record.CanaryOf ??= sweep.Key;
        _store.Save(record);

        var waiter = new JobWaiter(tracker);
        SwarmJob job;
        try
        {
            job = (await waiter.WaitAsync(sweep.Site, new[] { record }, options.PollInterval, options.Timeout, null, cancellationToken).ConfigureAwait(false))[0];
        }
        catch (SwarmException error) when (error.ErrorId == "WaitTimeout")
        {
            throw new SwarmException(
                "CanaryTimeout",
                $"The canary of job {sweep.Key} (task {sweep.TaskAtLine(1)}, job {record.Key}) did not end within {options.Timeout}; the sweep was not submitted.",
                $"It keeps running: look with Get-SwarmJob -Id {record.Key}. Run the same Submit-SwarmJob -Canary again to wait for it (with a longer -CanaryTimeout if the queue is slow), or stop it with Stop-SwarmJob -Id {record.Key}.",
                SwarmErrorCategory.OperationTimeout,
                record.Key,
                error);
        }

        var attempt = record.Attempts.Last().Number;
        const long task = 0;
        var sweepTask = sweep.TaskAtLine(1);
        var taskDirectory = JobLayout.TaskDirectory(record.JobRoot, task);
        if (job.State != SwarmJobState.Succeeded)
        {
            var status = job.Tasks.FirstOrDefault();
            var stderr = await TailAsync(JobLayout.StandardErrorLog(record.JobRoot, task), cancellationToken).ConfigureAwait(false);
            throw new SwarmException(
                "CanaryFailed",
                $"The canary of job {sweep.Key} (task {sweepTask}, job {record.Key} attempt {attempt}) {Describe(status)}; the sweep was not submitted. Its stderr ends:\n{stderr}",
                FixFor(status) + " Then run the same Submit-SwarmJob -Canary again: the canary runs again first.",
                SwarmErrorCategory.InvalidOperation,
                record.Key);
        }

        var missing = await MissingOutputsAsync(taskDirectory, options.Outputs, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            var stderr = await TailAsync(JobLayout.StandardErrorLog(record.JobRoot, task), cancellationToken).ConfigureAwait(false);
            throw new SwarmException(
                "CanaryOutputMissing",
                $"The canary of job {sweep.Key} (task {sweepTask}, job {record.Key}) exited 0 but did not write {string.Join(", ", missing.Select(m => $"'{m}'"))} in {taskDirectory}; the sweep was not submitted. Its stderr ends:\n{stderr}",
                "Check where the task writes its outputs (it runs in SWARM_TASK_DIR) and that -CanaryOutput names them relative to it; then run the same Submit-SwarmJob -Canary again.",
                SwarmErrorCategory.InvalidOperation,
                record.Key);
        }

        var summary = $"canary of job {sweep.Key}: task {sweepTask} succeeded as job {record.Key} attempt {attempt}"
            + (options.Outputs.Count > 0 ? $", with its {options.Outputs.Count} declared output(s)" : "");
        progress?.Report(summary);
        return new CanaryResult(record, sweepTask, attempt, summary);
    }

    /// <summary>Submits the canary, again after a failure, or not at all when it is running or passed before.</summary>
    private async Task<JobRecord> SubmitAsync(JobPlan plan, JobTracker tracker, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        // No run ledger: the canary is a trial, and its run would carry the statepoint of the sweep's first task.
        var submitter = new JobSubmitter(_shell, _store, tracker);
        var existing = _store.Find(plan.Key);
        if (existing is { FullySubmitted: true })
        {
            var status = (await tracker.QueryAsync(plan.Site, new[] { existing }, null, cancellationToken).ConfigureAwait(false))[0];
            if (!status.IsFinished)
            {
                progress?.Report($"canary job {plan.Key} is still running from an earlier submit; waiting for it");
                return existing;
            }

            if (status.State == SwarmJobState.Succeeded)
            {
                progress?.Report($"canary job {plan.Key} passed before for this command and task; not running it again");
                return existing;
            }
        }

        var result = await submitter.SubmitAsync(plan, resume: existing is not null, progress, cancellationToken).ConfigureAwait(false);
        progress?.Report("canary: " + result.Summary);
        return result.Record;
    }

    private async Task<IReadOnlyList<string>> MissingOutputsAsync(string taskDirectory, IReadOnlyList<string> outputs, CancellationToken cancellationToken)
    {
        if (outputs.Count == 0)
        {
            return Array.Empty<string>();
        }

        // One round trip for all of them: prints each output that is not there.
        var arguments = new List<string> { "-c", "cd \"$1\" || exit 2; shift; for f; do [ -e \"$f\" ] || printf '%s\\n' \"$f\"; done", "sh", taskDirectory };
        arguments.AddRange(outputs);
        var result = await _shell.RunAsync(new ShellCommand("sh", arguments.ToArray()) { Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return outputs.ToList();
        }

        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<string> TailAsync(string path, CancellationToken cancellationToken)
    {
        var result = await _shell.RunAsync(new ShellCommand("tail", "-c", StandardErrorTail.ToString(System.Globalization.CultureInfo.InvariantCulture), path) { Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        var text = result.Succeeded ? result.StandardOutput.TrimEnd() : "";
        return text.Length > 0 ? text : $"(nothing: {path} is empty or missing)";
    }

    private static string Describe(SwarmTaskStatus? status) => status switch
    {
        null => "did not succeed",
        { State: SwarmTaskState.Cancelled } => $"was cancelled ({status.Reason ?? "by the scheduler or Stop-SwarmJob"})",
        { ExitCode: { } code } => $"exited {code}" + (status.Reason is { } reason ? $" ({reason})" : ""),
        _ => $"failed ({status.Reason ?? "no exit code recorded"})",
    };

    /// <summary>The fix a failure suggests, from what it shows: a missing command, a kill, or the task's own error.</summary>
    private static string FixFor(SwarmTaskStatus? status) => status?.ExitCode switch
    {
        127 => "The command was not found on the compute node: check its path (relative paths resolve from where the plan was made), ship the code with Sync-SwarmCode, or load what it needs with the site profile's modules: and environment:.",
        126 => "The command is there but cannot be run: make it executable (chmod +x) or run it through its interpreter (e.g. 'python3', 'script.py').",
        2 when status.Reason is null => "Exit code 2 is also what the job script returns when it cannot set the task up (its task line, result directory or a module load): read the stderr above, and check the site's run root and modules:.",
        int code when code > 128 => $"The task was killed by signal {code - 128} ({(code == 137 ? "SIGKILL: often the memory limit, or the walltime" : "see kill -l")}): raise -Memory or -Walltime in New-SwarmJobPlan if the scheduler's limits killed it.",
        null when status is not null => "The scheduler ended it without an exit code (walltime, memory or a node failure): Get-SwarmJob -Id shows the scheduler's reason; raise the limit it names in New-SwarmJobPlan.",
        _ => "It is the task's own error: fix what its stderr says.",
    };
}
