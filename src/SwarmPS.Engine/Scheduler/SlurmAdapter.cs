using System.Globalization;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// SLURM: sbatch --array=1-N%T --dependency=afterany:A:B --parsable. Status: one squeue (-r, every element,
/// -t all so recently finished jobs still show) for all tracked jobs, then sacct for finished ones; when
/// accounting is off, sacct fails and scontrol show job -o answers instead (jobs it still remembers, see
/// MinJobAge). afterany: dependants start when every element of the arrays they wait on has ended in any state.
/// </summary>
public sealed partial class SlurmAdapter : ISchedulerAdapter
{
    public SchedulerKind Kind => SchedulerKind.Slurm;

    /// <summary>scontrol answers the array-limit query and the status fallback when accounting is off.</summary>
    public IReadOnlyList<string> RequiredCommands { get; } = new[] { "sbatch", "squeue", "sacct", "scontrol", "scancel" };

    public ShellCommand BuildSubmit(ArraySubmission submission)
    {
        var plan = submission.Plan;
        var array = submission.Array.IndexRange + (plan.Throttle is { } t ? "%" + t.ToString(CultureInfo.InvariantCulture) : "");
        var args = new List<string>
        {
            "--parsable",
            "--array=" + array,
            "--job-name=" + submission.Name,
            "--output=" + submission.Layout.LogDirectory + "/%A_%a.out",
            "--chdir=" + submission.Layout.AttemptDirectory,
            "--export=ALL,SWARM_ARRAY_OFFSET=" + submission.Array.Offset.ToString(CultureInfo.InvariantCulture),
        };
        if (submission.DependsOn.Count > 0)
        {
            args.Add("--dependency=afterany:" + string.Join(':', submission.DependsOn));
        }

        if (plan.Queue is { } partition)
        {
            args.Add("--partition=" + partition);
        }

        if (plan.Account is { } account)
        {
            args.Add("--account=" + account);
        }

        if (plan.Walltime is { } walltime)
        {
            args.Add("--time=" + SchedulerTime.Format(walltime));
        }

        // Each element is a one-task job, so --mem (per node) is per element; whole MiB, rounded up.
        if (plan.Memory is { } memory)
        {
            args.Add("--mem=" + WavePlanner.MemoryMebibytes(memory).ToString(CultureInfo.InvariantCulture) + "M");
        }

        if (plan.Gpus is { } gpus)
        {
            args.Add("--gres=gpu:" + gpus.ToString(CultureInfo.InvariantCulture));
        }

        args.AddRange(plan.Resources);
        args.Add(submission.Layout.Script);
        return new ShellCommand("sbatch", args) { Timeout = TimeSpan.FromMinutes(2) };
    }

    public string ParseSubmitted(ShellResult result, ArraySubmission submission)
    {
        // --parsable prints "<id>" or "<id>;<cluster>".
        var first = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var id = first.Split(';')[0];
        if (result.Succeeded && JobIdPattern().IsMatch(id))
        {
            return id;
        }

        var message = SubmitErrors.Message(result);
        if (message.Contains("invalid partition", StringComparison.OrdinalIgnoreCase))
        {
            throw SubmitErrors.UnknownQueue("SLURM", "partition", submission.Plan.Queue, message, "sinfo -s", submission.Name);
        }

        throw SubmitErrors.Rejected("sbatch", message, submission.Name);
    }

    public ShellCommand? BuildArrayLimitQuery() => new("scontrol", "show", "config") { Timeout = TimeSpan.FromSeconds(30) };

    public int? ParseArrayLimit(string output)
    {
        // "MaxArraySize            = 1001": indices must be below it; ours start at 1.
        var match = MaxArraySizePattern().Match(output);
        return match.Success && int.TryParse(match.Groups[1].Value, out var max) && max > 1 ? max - 1 : null;
    }

    public IReadOnlyList<ProbeStep> BuildStatusSteps(IReadOnlyList<TrackedArray> arrays)
    {
        var ids = string.Join(',', arrays.Select(a => a.JobId).Distinct());
        return new[]
        {
            ProbeStep.Command("squeue", new[] { "squeue", "-h", "-r", "-t", "all", "-o", "%i|%T|%r", "-j", ids }),
            ProbeStep.Command(
                "sacct",
                new[] { "sacct", "-n", "-P", "-X", "-o", "JobID,State,ExitCode", "-j", ids },
                ProbeStep.Command("scontrol", new[] { "scontrol", "show", "job", "-o" })),
        };
    }

    public void ParseStatus(IReadOnlyDictionary<string, ProbeOutput> outputs, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot)
    {
        var tracked = arrays.Select(a => a.JobId).ToHashSet(StringComparer.Ordinal);
        if (outputs.TryGetValue("squeue", out var squeue))
        {
            // "12_3|RUNNING|None" or, for elements not yet split off, "12_[4-10%2]|PENDING|JobArrayTaskLimit".
            foreach (var line in Lines(squeue.Text))
            {
                var fields = line.Split('|');
                if (fields.Length >= 2)
                {
                    AddElements(snapshot, tracked, fields[0], fields[1], null, fields.Length > 2 ? fields[2] : null);
                }
            }
        }

        if (outputs.TryGetValue("sacct", out var sacct) && sacct.ExitCode == 0)
        {
            // "12_3|FAILED|3:0"; "CANCELLED by 0" carries who cancelled.
            foreach (var line in Lines(sacct.Text))
            {
                var fields = line.Split('|');
                if (fields.Length >= 3)
                {
                    AddElements(snapshot, tracked, fields[0], fields[1], ExitCode(fields[2]), null);
                }
            }
        }

        if (outputs.TryGetValue("scontrol", out var scontrol))
        {
            foreach (var line in Lines(scontrol.Text))
            {
                var fields = KeyValues(line);
                if (fields.TryGetValue("ArrayJobId", out var job) && fields.TryGetValue("ArrayTaskId", out var task)
                    && fields.TryGetValue("JobState", out var state))
                {
                    AddElements(snapshot, tracked, job + "_" + task, state, fields.TryGetValue("ExitCode", out var exit) ? ExitCode(exit) : null, fields.GetValueOrDefault("Reason"));
                }
            }
        }
    }

    public ShellCommand BuildCancel(IReadOnlyList<TrackedArray> arrays) =>
        new("scancel", arrays.Select(a => a.JobId).Distinct().ToArray()) { Timeout = TimeSpan.FromMinutes(1) };

    internal static SchedulerElementState MapState(string state)
    {
        var word = state.Split(' ')[0].TrimEnd('+').ToUpperInvariant();
        return word switch
        {
            "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD" => SchedulerElementState.Pending,
            "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "STOPPED" or "RESIZING" or "SIGNALING" or "STAGE_OUT" => SchedulerElementState.Running,
            "COMPLETED" => SchedulerElementState.Completed,
            "CANCELLED" or "REVOKED" => SchedulerElementState.Cancelled,
            _ => SchedulerElementState.Failed,   // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE, PREEMPTED, unknown
        };
    }

    private static void AddElements(SchedulerSnapshot snapshot, HashSet<string> tracked, string id, string state, int? exitCode, string? reason)
    {
        var underscore = id.IndexOf('_');
        if (underscore < 0)
        {
            return;
        }

        var job = id[..underscore];
        if (!tracked.Contains(job))
        {
            return;
        }

        var mapped = MapState(state);
        var detail = reason is null or "None" ? state : $"{state} ({reason})";
        var indices = id[(underscore + 1)..];
        if (indices.StartsWith('['))
        {
            // A range of elements not yet split off: "[4-10%2]" or "[1,3,5-7]".
            foreach (var part in indices.Trim('[', ']').Split('%')[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var bounds = part.Split('-');
                if (int.TryParse(bounds[0], out var first))
                {
                    var last = bounds.Length > 1 && int.TryParse(bounds[1], out var l) ? l : first;
                    snapshot.SetRange(job, first, last, mapped, detail);
                }
            }
        }
        else if (int.TryParse(indices, out var index))
        {
            snapshot.Set(job, index, mapped, exitCode, detail, FailureClassifier.Slurm(state));
        }
    }

    private static int? ExitCode(string text)
    {
        // "3:0" is exit code 3, signal 0; "0:9" is killed by signal 9.
        var parts = text.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], out var code) && int.TryParse(parts[1], out var signal))
        {
            return signal != 0 ? 128 + signal : code;
        }

        return null;
    }

    private static Dictionary<string, string> KeyValues(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = token.IndexOf('=');
            if (eq > 0)
            {
                fields.TryAdd(token[..eq], token[(eq + 1)..]);
            }
        }

        return fields;
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^\d+$")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"^\s*MaxArraySize\s*=\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex MaxArraySizePattern();
}
