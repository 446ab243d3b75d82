using System.Globalization;
using System.Text;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Combines a finished job's results on its site (Invoke-SwarmAggregation): first the completeness check
/// (one status query, one listing of results/: every task succeeded in its latest attempt, has its own
/// result directory marked by this job and this task, and nothing else is there), then the reducer,
/// run directly through the site's shell in <c>&lt;jobRoot&gt;/aggregate/</c>, then its summary brought
/// home. An incomplete job is a finding and the reducer does not run: a partial result is never
/// mistaken for the whole.
/// </summary>
public sealed class ResultAggregator
{
    /// <summary>The most a summary may be to come home; a bigger one stays on the site.</summary>
    public const long MaxSummaryBytes = 64L * 1024 * 1024;

    private const int StandardErrorTail = 2048;

    private readonly ISiteShell _shell;
    private readonly JobRecordStore _store;
    private readonly ITaskOutcomeSink? _sink;

    /// <summary>The optional <paramref name="sink"/> (the run ledger) is told what the status query sees, as Get-SwarmJob's is.</summary>
    public ResultAggregator(ISiteShell shell, JobRecordStore store, ITaskOutcomeSink? sink = null)
    {
        _shell = shell;
        _store = store;
        _sink = sink;
    }

    /// <summary>Where a job's summary comes home by default: beside the job records, in .swarm/aggregates/&lt;key&gt;/summary.</summary>
    public static string DefaultDestination(JobRecordStore store, string key) =>
        Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(store.Directory))!, "aggregates", key, "summary");

    public static string AggregateDirectory(string jobRoot) => jobRoot + "/aggregate";

    /// <summary>Checks the job's results and, when they are complete, runs <paramref name="reducer"/> over them.</summary>
    public async Task<AggregationResult> RunAsync(
        SiteProfile site,
        JobRecord record,
        IReadOnlyList<string> reducer,
        string destination,
        TimeSpan timeout,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (reducer.Count == 0 || string.IsNullOrWhiteSpace(reducer[0]))
        {
            throw new SwarmException(
                "AggregationReducerEmpty",
                $"No reducer was given to combine the results of job {record.Key}.",
                "Give the program and its arguments, e.g. -Reducer python3, /home/me/reduce.py: it reads $SWARM_AGGREGATE_INPUTS and writes $SWARM_SUMMARY.",
                SwarmErrorCategory.InvalidArgument,
                record.Key);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var check = await CheckAsync(site, record, cancellationToken).ConfigureAwait(false);
        if (!check.Complete)
        {
            progress?.Report(check.Finding);
            return check with { Duration = clock.Elapsed };
        }

        var directory = AggregateDirectory(record.JobRoot);
        var inputs = directory + "/inputs.txt";
        var summary = directory + "/summary";
        await _shell.WriteFileAsync(inputs, InputsFile(record), cancellationToken).ConfigureAwait(false);
        progress?.Report($"job {record.Key}: all {record.TaskCount} results present; running the reducer in {directory}");

        // The old summary goes first, so a reducer that writes none can never hand back the previous run's.
        var arguments = new List<string> { "-c", "rm -f \"$SWARM_SUMMARY\" && exec \"$@\"", "sh" };
        arguments.AddRange(reducer);
        var run = await _shell.RunAsync(
            new ShellCommand("sh", arguments)
            {
                WorkingDirectory = directory,
                Timeout = timeout,
                Environment = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["SWARM_JOB_KEY"] = record.Key,
                    ["SWARM_JOB_ROOT"] = record.JobRoot,
                    ["SWARM_TASK_COUNT"] = record.TaskCount.ToString(CultureInfo.InvariantCulture),
                    ["SWARM_AGGREGATE_INPUTS"] = inputs,
                    ["SWARM_SUMMARY"] = summary,
                },
            },
            cancellationToken).ConfigureAwait(false);
        var shown = string.Join(' ', reducer);
        if (!run.Succeeded)
        {
            throw new SwarmException(
                "AggregationReducerFailed",
                $"The reducer '{shown}' of job {record.Key} on '{site.Name}' " + (run.TimedOut ? $"did not end within {timeout}" : $"exited {run.ExitCode}")
                    + $"; nothing was brought home. Its stderr ends:\n{Tail(run.StandardError)}",
                "Fix the reducer (it runs in the job's aggregate/ folder on the site, reads $SWARM_AGGREGATE_INPUTS: one '<task><TAB><result dir>' line per task, and writes $SWARM_SUMMARY), or give it a longer -Timeout; then run Invoke-SwarmAggregation again.",
                SwarmErrorCategory.InvalidOperation,
                record.Key);
        }

        var bytes = await FetchAsync(summary, shown, record, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        AtomicFile.Write(destination, stream => stream.Write(bytes));
        progress?.Report($"job {record.Key}: summary ({bytes.Length} bytes) brought home to {destination}");
        return check with
        {
            Combined = record.TaskCount,
            Reducer = shown,
            RemoteSummary = summary,
            SummaryPath = Path.GetFullPath(destination),
            SummaryBytes = bytes.Length,
            Duration = clock.Elapsed,
        };
    }

    /// <summary>The completeness check alone: whether every task's own result is there and nothing else is.</summary>
    public async Task<AggregationResult> CheckAsync(SiteProfile site, JobRecord record, CancellationToken cancellationToken = default)
    {
        var all = new HashSet<long>();
        for (long task = 0; task < record.TaskCount; task++)
        {
            all.Add(task);
        }

        var job = (await new JobTracker(_shell, _store, sink: _sink).QueryAsync(site, new[] { record }, all, cancellationToken).ConfigureAwait(false))[0];
        if (!job.IsFinished)
        {
            throw new SwarmException(
                "AggregationJobRunning",
                $"Job {record.Key} on '{site.Name}' still has {job.Pending} pending and {job.Running} running tasks; its results are not all there yet.",
                $"Wait for it (Wait-SwarmJob -Id {record.Key}), then aggregate.",
                SwarmErrorCategory.InvalidOperation,
                record.Key);
        }

        var succeeded = job.Tasks.Where(t => t.State == SwarmTaskState.Succeeded).Select(t => t.Task).ToHashSet();
        var listing = await _shell.RunAsync(new ShellCommand("sh", ResultProvenance.ListingScript(record.JobRoot)) { Timeout = TimeSpan.FromMinutes(5) }, cancellationToken).ConfigureAwait(false);
        if (!listing.Succeeded)
        {
            throw new SwarmException(
                "AggregationListingFailed",
                $"Could not list the results of job {record.Key} in {record.JobRoot}/results on '{site.Name}': {Tail(listing.StandardError)}",
                "Check that the site's run root is readable and that find and awk are on its PATH (GNU find: -printf).",
                SwarmErrorCategory.ResourceUnavailable,
                record.Key);
        }

        var (noDirectory, foreign) = ResultProvenance.Check(record.Key, record.TaskCount, succeeded, listing.StandardOutput);
        var missing = all.Where(t => !succeeded.Contains(t)).Concat(noDirectory).Distinct().Order().ToList();
        return new AggregationResult
        {
            Job = record.Key,
            Site = site.Name,
            TaskCount = record.TaskCount,
            MissingTasks = missing,
            ForeignResults = foreign,
            Coverage = Coverage(record),
        };
    }

    /// <summary>Every task is in exactly one array of the first attempt, and at most one of each later one.</summary>
    private static List<string> Coverage(JobRecord record)
    {
        var findings = new List<string>();
        foreach (var attempt in record.Attempts)
        {
            var seen = new byte[record.TaskCount];
            foreach (var array in attempt.Arrays)
            {
                for (var index = 1; index <= array.Count; index++)
                {
                    var task = attempt.TaskAtLine(array.Offset + index);
                    if (task < 0 || task >= record.TaskCount || seen[task]++ > 0)
                    {
                        findings.Add($"attempt {attempt.Number} runs task {task} twice or out of range (array {array.Index} of wave {array.Wave})");
                    }
                }
            }

            if (attempt.Number == 1 && attempt.Selection is null && Array.IndexOf(seen, (byte)0) is var gap and >= 0)
            {
                findings.Add($"attempt 1 never runs task {gap}");
            }
        }

        return findings;
    }

    /// <summary>One line per task: its index and its result directory, in task order.</summary>
    private static byte[] InputsFile(JobRecord record)
    {
        var text = new StringBuilder();
        for (long task = 0; task < record.TaskCount; task++)
        {
            text.Append(task.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(JobLayout.TaskDirectory(record.JobRoot, task)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Brings the summary home as base64, so any bytes survive the text channel of a shell.</summary>
    private async Task<byte[]> FetchAsync(string summary, string reducer, JobRecord record, CancellationToken cancellationToken)
    {
        const string script = "[ -f \"$1\" ] || exit 3; size=$(wc -c < \"$1\"); if [ \"$size\" -gt \"$2\" ]; then echo \"$size\" >&2; exit 4; fi; base64 < \"$1\"";
        var result = await _shell.RunAsync(
            new ShellCommand("sh", "-c", script, "sh", summary, MaxSummaryBytes.ToString(CultureInfo.InvariantCulture)) { Timeout = TimeSpan.FromMinutes(10) },
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 when !result.TimedOut => Convert.FromBase64String(string.Concat(result.StandardOutput.Split('\n', StringSplitOptions.TrimEntries))),
            3 => throw new SwarmException(
                "AggregationSummaryMissing",
                $"The reducer '{reducer}' of job {record.Key} exited 0 but wrote no summary at {summary}.",
                "Make the reducer write its combined result to the path in $SWARM_SUMMARY, then run Invoke-SwarmAggregation again.",
                SwarmErrorCategory.InvalidOperation,
                record.Key),
            4 => throw new SwarmException(
                "AggregationSummaryTooLarge",
                $"The summary of job {record.Key} at {summary} is {result.StandardError.Trim()} bytes, over the {MaxSummaryBytes / (1024 * 1024)} MiB that are brought home; it stays on the site.",
                "Make the reducer write a smaller summary (statistics, not the data), or copy that file yourself (scp).",
                SwarmErrorCategory.InvalidData,
                record.Key),
            _ => throw new SwarmException(
                "AggregationFetchFailed",
                $"Could not read the summary of job {record.Key} at {summary}: {Tail(result.StandardError)}",
                "Check the connection to the site (Test-SwarmSite) and run Invoke-SwarmAggregation again; the reducer runs again too.",
                SwarmErrorCategory.ConnectionError,
                record.Key),
        };
    }

    private static string Tail(string text)
    {
        var trimmed = text.TrimEnd();
        trimmed = trimmed.Length > StandardErrorTail ? trimmed[^StandardErrorTail..] : trimmed;
        return trimmed.Length > 0 ? trimmed : "(nothing on stderr)";
    }
}
