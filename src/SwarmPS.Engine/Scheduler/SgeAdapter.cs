using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Grid Engine (Son of Grid Engine, OGS, Altair GE): qsub -terse -N name -t 1-N -tc T -hold_jid A,B.
/// -hold_jid is afterany by nature: the held job starts when the jobs it waits on have left the system,
/// whatever their exit codes. Status: one qstat -xml, then qacct -j only for tracked jobs qstat no
/// longer lists (their finished tasks), inside the same round trip.
/// </summary>
public sealed partial class SgeAdapter : ISchedulerAdapter
{
    public SchedulerKind Kind => SchedulerKind.Sge;

    /// <summary>qconf answers the array-limit query (max_aj_tasks).</summary>
    public IReadOnlyList<string> RequiredCommands { get; } = new[] { "qsub", "qstat", "qacct", "qdel", "qconf" };

    public ShellCommand BuildSubmit(ArraySubmission submission)
    {
        var plan = submission.Plan;
        var args = new List<string>
        {
            "-terse",
            "-N", submission.Name,
            "-S", "/bin/bash",
        };
        // A relative job root (a remote run root written ~/...) is relative to the login's home; qsub -wd would
        // take it relative to execd's directory ("can't chdir", the job in Eqw). Without -wd a Grid Engine job
        // starts in the home directory, which is what the path is relative to; the job script anchors its own.
        if (submission.Layout.AttemptDirectory.StartsWith('/'))
        {
            args.Add("-wd");
            args.Add(submission.Layout.AttemptDirectory);
        }

        args.AddRange(new[]
        {
            "-o", submission.Layout.LogDirectory,
            "-j", "y",
            "-t", submission.Array.IndexRange,
            "-v", "SWARM_ARRAY_OFFSET=" + submission.Array.Offset.ToString(CultureInfo.InvariantCulture),
        });
        if (plan.Throttle is { } throttle)
        {
            args.Add("-tc");
            args.Add(throttle.ToString(CultureInfo.InvariantCulture));
        }

        if (submission.DependsOn.Count > 0)
        {
            args.Add("-hold_jid");
            args.Add(string.Join(',', submission.DependsOn));
        }

        return QsubCommand.Finish(args, plan, submission.Layout.Script, walltimeResource: "h_rt", ResourceRequests(plan));
    }

    /// <summary>
    /// Memory and GPUs under the site's complex names (profile scheduler_resources; memory defaults to
    /// h_vmem, per slot, which is per element here). The planner has already refused GPUs on a site
    /// without a GPU complex, so a missing one here is a plan built around the planner.
    /// </summary>
    internal static IEnumerable<string> ResourceRequests(JobPlan plan)
    {
        var names = plan.Site.SchedulerResources;
        if (plan.Memory is { } memory)
        {
            yield return names.MemoryComplex + "=" + WavePlanner.MemoryMebibytes(memory).ToString(CultureInfo.InvariantCulture) + "M";
        }

        if (plan.Gpus is { } gpus)
        {
            var complex = names.GpuComplex ?? throw new InvalidOperationException("A GPU plan for a Grid Engine site without scheduler_resources.gpu_complex.");
            yield return complex + "=" + gpus.ToString(CultureInfo.InvariantCulture);
        }
    }

    public string ParseSubmitted(ShellResult result, ArraySubmission submission)
    {
        // -terse prints "<id>.<first>-<last>:<step>" for arrays.
        var match = TerseIdPattern().Match(result.StandardOutput);
        if (result.Succeeded && match.Success)
        {
            return match.Groups[1].Value;
        }

        var message = SubmitErrors.Message(result);
        if (message.Contains("unknown queue", StringComparison.OrdinalIgnoreCase))
        {
            throw SubmitErrors.UnknownQueue("Grid Engine", "queue", submission.Plan.Queue, message, "qconf -sql", submission.Name);
        }

        throw SubmitErrors.Rejected("qsub", message, submission.Name);
    }

    public ShellCommand? BuildArrayLimitQuery() => new("qconf", "-sconf") { Timeout = TimeSpan.FromSeconds(30) };

    public int? ParseArrayLimit(string output)
    {
        var match = MaxTasksPattern().Match(output);
        return match.Success && int.TryParse(match.Groups[1].Value, out var max) && max > 0 ? max : null;
    }

    public IReadOnlyList<ProbeStep> BuildStatusSteps(IReadOnlyList<TrackedArray> arrays)
    {
        var ids = arrays.Select(a => a.JobId).Distinct().ToList();
        // qacct reads the whole accounting file, so ask it only about jobs qstat no longer shows.
        var qacct = "for id in " + string.Join(' ', ids.Select(PosixQuoting.Quote)) + "; do\n"
            + "  case \"$swarm_qstat\" in *\"<JB_job_number>$id</JB_job_number>\"*) ;; *) qacct -j \"$id\" 2>&1 ;; esac\n"
            + "done; true";
        return new[]
        {
            new ProbeStep("qstat", "swarm_qstat=$(qstat -xml); swarm_q=$?; printf '%s\\n' \"$swarm_qstat\"; (exit $swarm_q)"),
            new ProbeStep("qacct", qacct),
        };
    }

    public void ParseStatus(IReadOnlyDictionary<string, ProbeOutput> outputs, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot)
    {
        var tracked = arrays.Select(a => a.JobId).ToHashSet(StringComparer.Ordinal);
        if (outputs.TryGetValue("qstat", out var qstat) && qstat.Text.Contains("<job_info", StringComparison.Ordinal))
        {
            ParseQstat(qstat.Text, tracked, snapshot);
        }

        if (outputs.TryGetValue("qacct", out var qacct))
        {
            ParseQacct(qacct.Text, tracked, snapshot);
        }
    }

    public ShellCommand BuildCancel(IReadOnlyList<TrackedArray> arrays) =>
        new("qdel", arrays.Select(a => a.JobId).Distinct().ToArray()) { Timeout = TimeSpan.FromMinutes(1) };

    internal static void ParseQstat(string xml, HashSet<string> tracked, SchedulerSnapshot snapshot)
    {
        var document = XDocument.Parse(xml.Trim());
        foreach (var job in document.Descendants().Where(e => e.Name.LocalName == "job_list"))
        {
            var id = Child(job, "JB_job_number");
            if (id is null || !tracked.Contains(id))
            {
                continue;
            }

            var code = Child(job, "state") ?? "";
            var state = MapState(code);
            var tasks = Child(job, "tasks");
            if (tasks is null)
            {
                snapshot.Set(id, 1, state, null, code);
                continue;
            }

            // "7", "1-10:1", or "3,5-9:2": pending tasks are listed as ranges.
            foreach (var part in tasks.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var match = TaskRangePattern().Match(part.Trim());
                if (!match.Success)
                {
                    continue;
                }

                var first = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var last = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : first;
                var step = match.Groups[3].Success ? Math.Max(1, int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)) : 1;
                for (var i = first; i <= last; i += step)
                {
                    snapshot.Set(id, i, state, null, code);
                }
            }
        }
    }

    internal static void ParseQacct(string text, HashSet<string> tracked, SchedulerSnapshot snapshot)
    {
        foreach (var block in text.Split("==============================================================", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in block.Split('\n'))
            {
                var trimmed = line.Trim();
                var space = trimmed.IndexOf(' ');
                if (space > 0)
                {
                    fields.TryAdd(trimmed[..space], trimmed[space..].Trim());
                }
            }

            if (!fields.TryGetValue("jobnumber", out var id) || !tracked.Contains(id))
            {
                continue;
            }

            var index = fields.TryGetValue("taskid", out var t) && int.TryParse(t, out var parsed) ? parsed : 1;
            int? exit = fields.TryGetValue("exit_status", out var e) && int.TryParse(e, out var code) ? code : null;
            var failed = fields.GetValueOrDefault("failed", "0");
            var state = failed.StartsWith('0') && exit == 0 ? SchedulerElementState.Completed : SchedulerElementState.Failed;
            snapshot.Set(id, index, state, exit, failed.StartsWith('0') ? $"exit_status {exit}" : "failed " + failed, FailureClassifier.Sge(fields));
        }
    }

    internal static SchedulerElementState MapState(string code)
    {
        if (code.Contains('d'))
        {
            return SchedulerElementState.Cancelled;
        }

        if (code.Contains('E'))
        {
            return SchedulerElementState.Failed;
        }

        return code.Contains('r') || code.Contains('t') || code.Contains('R') || code.Contains('s') || code.Contains('S')
            ? SchedulerElementState.Running
            : SchedulerElementState.Pending;
    }

    private static string? Child(XElement element, string name) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim();

    [GeneratedRegex(@"^\s*(\d+)(?:\.|\s*$)", RegexOptions.Multiline)]
    private static partial Regex TerseIdPattern();

    [GeneratedRegex(@"^\s*max_aj_tasks\s+(\d+)", RegexOptions.Multiline)]
    private static partial Regex MaxTasksPattern();

    [GeneratedRegex(@"^(\d+)(?:-(\d+)(?::(\d+))?)?$")]
    private static partial Regex TaskRangePattern();
}
