using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// PBS Pro / OpenPBS: qsub -J 1-N -W max_run_subjobs=T -W depend=afterany:A:B. afterany on an array
/// parent waits until every subjob has ended, whatever its exit status. Status: ONE
/// qstat -x -f -F json -t over all tracked arrays (subjobs and parents). Parsing is defensive: unknown
/// attributes are ignored, missing ones leave an element to the status files, a parent without subjob
/// entries is read from array_indices_remaining.
/// </summary>
public sealed partial class PbsAdapter : ISchedulerAdapter
{
    public SchedulerKind Kind => SchedulerKind.Pbs;

    /// <summary>qmgr answers the array-limit query (max_array_size), read-only.</summary>
    public IReadOnlyList<string> RequiredCommands { get; } = new[] { "qsub", "qstat", "qdel", "qmgr" };

    public ShellCommand BuildSubmit(ArraySubmission submission)
    {
        var plan = submission.Plan;
        var args = new List<string>
        {
            "-N", submission.Name,
            "-j", "oe",
            "-o", submission.Layout.LogDirectory + "/",
            "-v", "SWARM_ARRAY_OFFSET=" + submission.Array.Offset.ToString(CultureInfo.InvariantCulture),
        };

        // PBS refuses a one-element array; a single task is a plain job and the script defaults to index 1.
        if (submission.Array.Count > 1)
        {
            args.Add("-J");
            args.Add(submission.Array.IndexRange);
            if (plan.Throttle is { } throttle)
            {
                args.Add("-W");
                args.Add("max_run_subjobs=" + throttle.ToString(CultureInfo.InvariantCulture));
            }
        }

        if (submission.DependsOn.Count > 0)
        {
            args.Add("-W");
            args.Add("depend=afterany:" + string.Join(':', submission.DependsOn));
        }

        return QsubCommand.Finish(args, plan, submission.Layout.Script, walltimeResource: "walltime", ResourceRequests(plan));
    }

    /// <summary>
    /// Memory and GPUs are chunk resources on PBS Pro: one select statement of one chunk per element,
    /// "select=1:mem=4096mb:ngpus=1" (a job-wide -l mem= is the old form some sites refuse); none without either.
    /// </summary>
    internal static IEnumerable<string> ResourceRequests(JobPlan plan)
    {
        if (plan.Memory is null && plan.Gpus is null)
        {
            return [];
        }

        var select = "select=1";
        if (plan.Memory is { } memory)
        {
            select += ":mem=" + WavePlanner.MemoryMebibytes(memory).ToString(CultureInfo.InvariantCulture) + "mb";
        }

        if (plan.Gpus is { } gpus)
        {
            select += ":ngpus=" + gpus.ToString(CultureInfo.InvariantCulture);
        }

        return [select];
    }

    public string ParseSubmitted(ShellResult result, ArraySubmission submission)
    {
        // "1234[].server" for arrays, "1234.server" or bare "24" for a plain job.
        var first = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        if (result.Succeeded && SubmittedIdPattern().IsMatch(first))
        {
            return first;
        }

        var message = SubmitErrors.Message(result);
        if (message.Contains("Unknown queue", StringComparison.OrdinalIgnoreCase))
        {
            throw SubmitErrors.UnknownQueue("PBS", "queue", submission.Plan.Queue, message, "qstat -Q", submission.Name);
        }

        throw SubmitErrors.Rejected("qsub", message, submission.Name);
    }

    /// <summary>
    /// PBS keeps max_array_size among the server's attributes, which any user may list. A server that
    /// prints no such line runs PBS's default of 10000 (the planner's default for PBS); a qmgr that fails
    /// (a site that restricts it) leaves the default too.
    /// </summary>
    public ShellCommand? BuildArrayLimitQuery() => new("qmgr", "-c", "list server") { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// "    max_array_size = 10000" in qmgr's listing ("Server name" then one indented "attr = value" a
    /// line); "set server max_array_size = 10000" in its print form. Anything else is not a limit.
    /// </summary>
    public int? ParseArrayLimit(string output)
    {
        var match = MaxArraySizePattern().Match(output);
        return match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0 ? max : null;
    }

    public IReadOnlyList<ProbeStep> BuildStatusSteps(IReadOnlyList<TrackedArray> arrays) => new[]
    {
        ProbeStep.Command("qstat", new[] { "qstat", "-x", "-f", "-F", "json", "-t" }.Concat(arrays.Select(a => a.JobId).Distinct())),
    };

    public void ParseStatus(IReadOnlyDictionary<string, ProbeOutput> outputs, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot)
    {
        if (!outputs.TryGetValue("qstat", out var qstat))
        {
            return;
        }

        var json = ExtractJson(qstat.Text);
        if (json is null)
        {
            if (qstat.ExitCode != 0 && !qstat.Text.Contains("Unknown Job Id", StringComparison.OrdinalIgnoreCase))
            {
                throw Unavailable(qstat.Text);
            }

            return;
        }

        ParseJson(json, arrays, snapshot);
        if (qstat.ExitCode != 0 && snapshot.KnownJobs.Count == 0 && (qstat.Text.Contains("cannot connect", StringComparison.OrdinalIgnoreCase) || qstat.Text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase)))
        {
            throw Unavailable(qstat.Text);
        }
    }

    public ShellCommand BuildCancel(IReadOnlyList<TrackedArray> arrays) =>
        new("qdel", arrays.Select(a => a.JobId).Distinct().ToArray()) { Timeout = TimeSpan.FromMinutes(1) };

    /// <summary>
    /// "123[4].server" → ("123", 4); "123[].server" and "123.server" → ("123", null). Jobs are matched on
    /// the sequence number alone, because qstat may print the server name longer or shorter than qsub did.
    /// </summary>
    internal static (string Key, int? Index) SplitId(string id)
    {
        var match = SubjobPattern().Match(id);
        if (match.Success)
        {
            var index = match.Groups[2].Value;
            return (match.Groups[1].Value, index.Length == 0 ? null : int.Parse(index, CultureInfo.InvariantCulture));
        }

        return (id.Split('.')[0], null);
    }

    internal static void ParseJson(string json, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot)
    {
        var byKey = arrays.GroupBy(a => SplitId(a.JobId).Key).ToDictionary(g => g.Key, g => g.First().JobId, StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Jobs", out var jobs) || jobs.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var parents = new List<(string JobId, JsonElement Attributes)>();
        foreach (var job in jobs.EnumerateObject())
        {
            var (key, index) = SplitId(job.Name);
            if (!byKey.TryGetValue(key, out var jobId) || job.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var attributes = job.Value;
            // A parent says so in its id ("123[]") or, where the id was shortened, with its array attributes.
            var isParent = job.Name.Contains("[]", StringComparison.Ordinal)
                || (index is null && (Text(attributes, "array") == "True" || Text(attributes, "array_indices_remaining") is not null));
            if (isParent)
            {
                parents.Add((jobId, attributes));
                snapshot.KnownJobs.Add(jobId);
                continue;
            }

            // A plain job (one-task array) is element 1; a subjob carries its index in the id or array_index.
            var element = index ?? (Int(attributes, "array_index") ?? 1);
            var stateCode = Text(attributes, "job_state") ?? "";
            var exit = Int(attributes, "Exit_status");
            var state = MapState(stateCode, exit);
            var failure = state == SchedulerElementState.Failed
                ? FailureClassifier.Pbs(exit, Nested(attributes, "resources_used", "walltime"), Nested(attributes, "Resource_List", "walltime"),
                    Nested(attributes, "resources_used", "mem"), Nested(attributes, "Resource_List", "mem"))
                : null;
            snapshot.Set(jobId, element, state, exit, "job_state " + stateCode, failure);
        }

        // Parents tell what subjobs are still to run; they fill in only elements no subjob entry described.
        foreach (var (jobId, attributes) in parents)
        {
            var remaining = Text(attributes, "array_indices_remaining");
            if (remaining is null || remaining == "-")
            {
                continue;
            }

            foreach (var part in remaining.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var range = RangePattern().Match(part);
                if (!range.Success)
                {
                    continue;
                }

                var first = int.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture);
                var last = range.Groups[2].Success ? int.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture) : first;
                var step = range.Groups[3].Success ? Math.Max(1, int.Parse(range.Groups[3].Value, CultureInfo.InvariantCulture)) : 1;
                for (var i = first; i <= last; i += step)
                {
                    if (!snapshot.TryGet(jobId, i, out _))
                    {
                        snapshot.Set(jobId, i, SchedulerElementState.Pending, null, "array_indices_remaining");
                    }
                }
            }
        }
    }

    internal static SchedulerElementState MapState(string code, int? exit) => code switch
    {
        "Q" or "H" or "W" or "T" or "M" => SchedulerElementState.Pending,
        "R" or "E" or "B" or "S" or "U" => SchedulerElementState.Running,
        "F" or "X" => exit switch
        {
            0 => SchedulerElementState.Completed,
            // Exit_status -3 and below: never ran (e.g. deleted before start); 256+n: killed by signal n (qdel).
            null or < 0 => SchedulerElementState.Cancelled,
            _ => SchedulerElementState.Failed,
        },
        _ => SchedulerElementState.Pending,
    };

    /// <summary>qstat prints a JSON document possibly followed or preceded by error lines; take the outermost object.</summary>
    private static string? ExtractJson(string text)
    {
        var start = text.IndexOf('{');
        var end = text.LastIndexOf('}');
        return start >= 0 && end > start ? text[start..(end + 1)] : null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    /// <summary>A field of a nested attribute object: resources_used.walltime, Resource_List.mem.</summary>
    private static string? Nested(JsonElement element, string parent, string name) =>
        element.TryGetProperty(parent, out var inner) && inner.ValueKind == JsonValueKind.Object ? Text(inner, name) : null;

    private static int? Int(JsonElement element, string name) =>
        int.TryParse(Text(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static SwarmException Unavailable(string text) => new(
        "SchedulerUnavailable",
        $"PBS did not answer the status query: {text.Trim().Split('\n').LastOrDefault()?.Trim()}",
        "Check that the PBS server is up (qstat -B) from the login node, then run Get-SwarmJob again.",
        SwarmErrorCategory.ResourceUnavailable);

    [GeneratedRegex(@"^[ \t]*(?:set server[ \t]+)?max_array_size[ \t]*=[ \t]*(\d{1,9})[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex MaxArraySizePattern();

    [GeneratedRegex(@"^\d+(\[\])?(\.\S+)?$")]
    private static partial Regex SubmittedIdPattern();

    [GeneratedRegex(@"^([^.\[]+)\[(\d*)\]")]
    private static partial Regex SubjobPattern();

    [GeneratedRegex(@"^(\d+)(?:-(\d+)(?::(\d+))?)?$")]
    private static partial Regex RangePattern();
}
