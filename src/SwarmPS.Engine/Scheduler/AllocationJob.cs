using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One allocation's batch job on a site: stages its two scripts, submits the batch script, asks the
/// scheduler where the job is, and cancels it. Every step goes through the site's shell, so a remote
/// site is driven over SSH exactly as this machine is driven locally.
/// </summary>
public sealed partial class AllocationJob
{
    private readonly ISiteShell _shell;

    public AllocationJob(ISiteShell shell, AllocationPlan plan, string directory)
    {
        _shell = shell;
        Plan = plan;
        Directory = directory;
    }

    /// <summary>
    /// A job submitted earlier, known only by what its site recorded (Stop-SwarmSite after its launcher was
    /// killed): enough to ask for its state and cancel it, not to submit anything.
    /// </summary>
    public static AllocationJob Recorded(ISiteShell shell, SchedulerKind scheduler, string jobId, string directory) =>
        new(shell, new AllocationPlan
        {
            Scheduler = scheduler,
            Launcher = AllocationLaunchers.DefaultFor(scheduler),
            Name = jobId,
            Ranks = Array.Empty<AllocationRank>(),
            Nodes = 1,
        }, directory) { JobId = jobId };

    public AllocationPlan Plan { get; }

    /// <summary>Absolute directory on the site holding allocation.sh, rank.sh and allocation.out.</summary>
    public string Directory { get; }

    /// <summary>The scheduler's job id once submitted.</summary>
    public string? JobId { get; private set; }

    /// <summary>The submit command, for ShouldProcess and the launch's log.</summary>
    public ShellCommand SubmitCommand => Plan.Scheduler switch
    {
        SchedulerKind.Slurm => new ShellCommand("sbatch", "--parsable", Directory + "/" + AllocationScriptWriter.BatchScriptName),
        SchedulerKind.Sge => new ShellCommand("qsub", "-terse", Directory + "/" + AllocationScriptWriter.BatchScriptName),
        _ => new ShellCommand("qsub", Directory + "/" + AllocationScriptWriter.BatchScriptName),
    } with { Timeout = TimeSpan.FromMinutes(2) };

    public async Task<string> SubmitAsync(CancellationToken cancellationToken)
    {
        await StageAsync(AllocationScriptWriter.RankWrapperName, AllocationScriptWriter.RankWrapper(Plan), cancellationToken).ConfigureAwait(false);
        await StageAsync(AllocationScriptWriter.BatchScriptName, AllocationScriptWriter.BatchScript(Plan, Directory), cancellationToken).ConfigureAwait(false);
        var result = await _shell.RunAsync(SubmitCommand, cancellationToken).ConfigureAwait(false);
        // sbatch --parsable: "<id>[;cluster]"; qsub -terse (SGE): "<id>"; PBS qsub: "<id>.<server>".
        var first = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var id = first.Split(';')[0];
        if (!result.Succeeded || !JobIdPattern().IsMatch(id))
        {
            throw SubmitErrors.Rejected(SubmitCommand.Program, SubmitErrors.Message(result), Plan.Name);
        }

        JobId = id;
        return id;
    }

    /// <summary>Where the job is now. A job the scheduler no longer lists has ended.</summary>
    public async Task<AllocationJobState> QueryStateAsync(CancellationToken cancellationToken)
    {
        var id = JobId ?? throw NotSubmitted();
        return Plan.Scheduler switch
        {
            SchedulerKind.Slurm => ParseSlurmState(await RunAsync(new ShellCommand("squeue", "-h", "-j", id, "-o", "%T"), cancellationToken).ConfigureAwait(false)),
            SchedulerKind.Sge => ParseSgeState(await RunAsync(new ShellCommand("qstat", "-u", "*"), cancellationToken).ConfigureAwait(false), id),
            // PBS Pro, as SubmitCommand and CancelAsync read every scheduler that is neither SLURM nor Grid Engine.
            _ => ParsePbsState(await _shell.RunAsync(PbsStateCommand(id), cancellationToken).ConfigureAwait(false), id),
        };
    }

    /// <summary>
    /// Waits out the queue: reports each state it sees (Queued, then Running) and returns once the job runs,
    /// which is when the launch's startup clock (the rendezvous timeout) starts. Cancelling the wait cancels
    /// the job, queued or running, so a Ctrl+C'd launch leaves nothing in the queue.
    /// </summary>
    public async Task WaitForStartAsync(IProgress<AllocationJobState>? progress, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        AllocationJobState? last = null;
        try
        {
            while (true)
            {
                var state = await QueryStateAsync(cancellationToken).ConfigureAwait(false);
                if (state != last)
                {
                    progress?.Report(state);
                    last = state;
                }

                if (state == AllocationJobState.Running)
                {
                    return;
                }

                if (state == AllocationJobState.Ended)
                {
                    throw new SwarmException(
                        "AllocationEndedBeforeStart",
                        $"Allocation {JobId} ({Plan.Name}) left the queue without being seen running.",
                        $"Read {Directory}/{AllocationScriptWriter.OutputName} and the scheduler's record of job {JobId} for why it ended.",
                        SwarmErrorCategory.InvalidOperation,
                        JobId);
                }

                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Cancels the job (queued or running); the scheduler ends every rank.</summary>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        var id = JobId ?? throw NotSubmitted();
        var command = Plan.Scheduler == SchedulerKind.Slurm ? new ShellCommand("scancel", id) : new ShellCommand("qdel", id);
        var result = await _shell.RunAsync(command with { Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded && await QueryStateAsync(cancellationToken).ConfigureAwait(false) != AllocationJobState.Ended)
        {
            throw new SwarmException(
                "AllocationCancelFailed",
                $"{command.Program} could not cancel allocation {id}: {SubmitErrors.Message(result)}",
                $"Cancel it by hand on the site ({command}) and check with the scheduler that it is gone.",
                SwarmErrorCategory.InvalidOperation,
                id);
        }
    }

    /// <summary>squeue -o %T of one job: PENDING (and holds) wait, RUNNING/COMPLETING run, nothing listed ended.</summary>
    public static AllocationJobState ParseSlurmState(ShellResult result)
    {
        var state = result.StandardOutput.Trim();
        return state switch
        {
            "" => AllocationJobState.Ended,
            "PENDING" or "REQUEUED" or "SUSPENDED" or "CONFIGURING" => AllocationJobState.Queued,
            "RUNNING" or "COMPLETING" => AllocationJobState.Running,
            _ => AllocationJobState.Ended,
        };
    }

    /// <summary>qstat's job table: state column 5 (qw, hqw: queued; r, t, Rr: running); a job not listed ended.</summary>
    public static AllocationJobState ParseSgeState(ShellResult result, string jobId)
    {
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 4 && fields[0] == jobId)
            {
                return fields[4].Contains('q', StringComparison.Ordinal) ? AllocationJobState.Queued : AllocationJobState.Running;
            }
        }

        return AllocationJobState.Ended;
    }

    /// <summary>
    /// qstat -x -f -F json of one job: -x keeps a finished job listed (state F) where the server keeps job
    /// history, and JSON is the one long format whose layout PBS documents as stable across versions.
    /// </summary>
    public static ShellCommand PbsStateCommand(string jobId) =>
        new("qstat", "-x", "-f", "-F", "json", jobId) { Timeout = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// The job_state of one job in qstat -x -f -F json. The letters are PBS Professional's, from the qstat(1B)
    /// man page (openpbs/openpbs doc/man1/qstat.1B, "23 April 2018", commit 293bce8c3f80d83895965f474ba154b1bfe0cfa0,
    /// https://github.com/openpbs/openpbs/blob/master/doc/man1/qstat.1B): B array begun, E exiting after having
    /// run, F finished, H held, M moved to another server, Q queued, R running, S suspended, T being moved, U
    /// cycle-harvesting suspended, W waiting for its start time, X subjob completed or deleted. The JSON shape
    /// ({"Jobs": {"&lt;id&gt;": {"job_state": "Q", ...}}}) is the same page's -F json example.
    /// Read as: Q H W T S U M wait (the agents do not run: a suspended job's processes are stopped, a moved one
    /// queues elsewhere); R E B run; F X ended. A job qstat no longer knows ("Unknown Job Id", or without job
    /// history "Job has finished, use -x"), or a listing without it, has ended. A letter outside the documented
    /// set is read as waiting, not as ended: ending would abandon a job that may still start, while waiting
    /// keeps polling, and Ctrl+C cancels the job. A qstat that fails otherwise (the server does not answer) is
    /// SchedulerUnavailable, never "ended", for the same reason.
    /// </summary>
    public static AllocationJobState ParsePbsState(ShellResult result, string jobId)
    {
        var text = result.StandardOutput + "\n" + result.StandardError;
        var start = result.StandardOutput.IndexOf('{');
        var end = result.StandardOutput.LastIndexOf('}');
        if (start >= 0 && end > start && PbsJobState(result.StandardOutput[start..(end + 1)], jobId) is { } listed)
        {
            return listed switch
            {
                "R" or "E" or "B" => AllocationJobState.Running,
                "F" or "X" => AllocationJobState.Ended,
                _ => AllocationJobState.Queued,
            };
        }

        if (result.Succeeded || text.Contains("Unknown Job Id", StringComparison.OrdinalIgnoreCase) || text.Contains("Job has finished", StringComparison.OrdinalIgnoreCase))
        {
            return AllocationJobState.Ended;
        }

        throw new SwarmException(
            "SchedulerUnavailable",
            $"PBS did not answer the state query of allocation {jobId} (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {SubmitErrors.Message(result)}",
            $"Check that the PBS server is up (qstat -B) from the login node; the job may still be queued (qstat {jobId}), and Stop-SwarmSite or qdel {jobId} removes it.",
            SwarmErrorCategory.ResourceUnavailable,
            jobId);
    }

    /// <summary>The job_state of the job in a qstat JSON document, matched on the sequence number (the server suffix may differ); null when it is not listed.</summary>
    private static string? PbsJobState(string json, string jobId)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            if (!document.RootElement.TryGetProperty("Jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var key = PbsAdapter.SplitId(jobId).Key;
            foreach (var job in jobs.EnumerateObject())
            {
                if (PbsAdapter.SplitId(job.Name).Key == key && job.Value.ValueKind == JsonValueKind.Object
                    && job.Value.TryGetProperty("job_state", out var state) && state.ValueKind == JsonValueKind.String)
                {
                    return state.GetString()!.Trim();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken)
    {
        // A failing status command (squeue's "Invalid job id" once a job is purged) is read as "not listed".
        var result = await _shell.RunAsync(command with { Timeout = TimeSpan.FromMinutes(1) }, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : result with { StandardOutput = "" };
    }

    private async Task StageAsync(string name, string text, CancellationToken cancellationToken)
    {
        // Through the site shell, so staging works the same over SSH; owner-only, as the scripts hold the agents' environment.
        var command = new ShellCommand("sh", "-c", "umask 077 && mkdir -p \"$1\" && cat > \"$1/$2\" && chmod 700 \"$1/$2\"", "sh", Directory, name)
        {
            StandardInput = Encoding.UTF8.GetBytes(text),
            Timeout = TimeSpan.FromMinutes(1),
        };
        var result = await _shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new SwarmException(
                "AllocationStageFailed",
                $"Could not write {name} into {Directory} on {_shell.Target}: {SubmitErrors.Message(result)}",
                "Make the site's run_root writable (and on a file system the compute nodes see), then start the site again.",
                SwarmErrorCategory.PermissionDenied,
                Directory);
        }
    }

    private SwarmException NotSubmitted() => new(
        "AllocationNotSubmitted",
        $"Allocation '{Plan.Name}' has not been submitted yet.",
        "Submit it (SubmitAsync) before asking for its state or cancelling it.",
        SwarmErrorCategory.InvalidOperation,
        Plan.Name);

    [GeneratedRegex(@"^[0-9]+(\.[A-Za-z0-9._-]+)?$")]
    private static partial Regex JobIdPattern();
}
