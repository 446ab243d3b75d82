using System.Globalization;
using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The local executor: a bounded process pool on the site's own machine, for laptops, login-node runs
/// and tests. Each array is a detached bash driver (its own session, so it outlives the PowerShell
/// session and can be killed as a group) that waits until the arrays of the previous wave have ended in
/// any state (afterany, through marker files), then runs the array's indices at most THROTTLE at once
/// (default: the machine's core count). The driver's pid is the job id; local/&lt;array&gt;.done or
/// .cancelled mark its end.
/// </summary>
public sealed class LocalPoolAdapter : ISchedulerAdapter
{
    /// <summary>The pool driver, staged once per attempt as local/driver.sh.</summary>
    public const string DriverScript = """
        #!/bin/bash
        # SwarmPS local pool driver: one array, at most THROTTLE tasks at once, after the arrays it waits on.
        local_dir=$1 array=$2 offset=$3 count=$4 throttle=$5 script=$6
        shift 6
        if [ "$throttle" -le 0 ]; then throttle=$(nproc 2>/dev/null || echo 4); fi
        trap 'kill $(jobs -p) 2>/dev/null; : > "$local_dir/$array.cancelled"; exit 143' TERM INT
        for dep in "$@"; do
          until [ -e "$local_dir/$dep.done" ] || [ -e "$local_dir/$dep.cancelled" ]; do sleep 0.2; done
        done
        running=0
        for (( i = 1; i <= count; i++ )); do
          if (( running >= throttle )); then wait -n; running=$(( running - 1 )); fi
          SWARM_ARRAY_OFFSET=$offset SWARM_ARRAY_INDEX=$i bash "$script" </dev/null &
          running=$(( running + 1 ))
        done
        wait
        : > "$local_dir/$array.done"

        """;

    public SchedulerKind Kind => SchedulerKind.Local;

    /// <summary>None: the pool is bash on the site's own machine (setsid and nproc beside it), no scheduler.</summary>
    public IReadOnlyList<string> RequiredCommands { get; } = Array.Empty<string>();

    public static string DriverPath(JobLayout layout) => layout.LocalDirectory + "/driver.sh";

    /// <summary>The pool driver that <see cref="BuildSubmit"/> starts, once per attempt.</summary>
    public IReadOnlyList<(string Path, string Text)> SupportScripts(JobLayout layout) => [(DriverPath(layout), DriverScript)];

    public ShellCommand BuildSubmit(ArraySubmission submission)
    {
        // setsid: the driver leads its own process group, so cancel can kill it with all its tasks.
        // Only the driver goes to the background: a backgrounded "a && b" would keep our stdout pipe open.
        // The driver and its tasks inherit this shell's environment, which is the submitting session's:
        // every SWARM_* variable (the exchange token, an agent's identity and run) is dropped first, so a
        // task gets only what its job script sets (SWARM_TASK_*, SWARM_KW_*, SWARM_JOB_ROOT). umask 077
        // makes the driver log owner-only, like everything else a job writes.
        const string start = "umask 077; for name in $(compgen -e); do case $name in SWARM_*) unset \"$name\" ;; esac; done; "
            + "mkdir -p \"$1\" || exit 1; setsid bash \"$@\" > \"$1/$2.log\" 2>&1 < /dev/null & echo $!";
        var layout = submission.Layout;
        var args = new List<string>
        {
            "-c", start.Replace("\"$@\"", "\"$0\" \"$@\"", StringComparison.Ordinal), DriverPath(layout),
            layout.LocalDirectory,
            submission.Array.Index.ToString(CultureInfo.InvariantCulture),
            submission.Array.Offset.ToString(CultureInfo.InvariantCulture),
            submission.Array.Count.ToString(CultureInfo.InvariantCulture),
            (submission.Plan.Throttle ?? 0).ToString(CultureInfo.InvariantCulture),
            layout.Script,
        };
        args.AddRange(submission.DependsOnArrays.Select(a => a.ToString(CultureInfo.InvariantCulture)));
        return new ShellCommand("bash", args) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public string ParseSubmitted(ShellResult result, ArraySubmission submission)
    {
        var pid = result.StandardOutput.Trim();
        if (result.Succeeded && int.TryParse(pid, out _))
        {
            return pid;
        }

        throw SubmitErrors.Rejected("the local pool", SubmitErrors.Message(result), submission.Name);
    }

    public ShellCommand? BuildArrayLimitQuery() => null;

    public int? ParseArrayLimit(string output) => null;

    public IReadOnlyList<ProbeStep> BuildStatusSteps(IReadOnlyList<TrackedArray> arrays)
    {
        var script = new StringBuilder("swarm_local() { if [ -e \"$1/$2.done\" ]; then s=done; elif [ -e \"$1/$2.cancelled\" ]; then s=cancelled; "
            + "elif kill -0 \"$3\" 2>/dev/null; then s=running; else s=gone; fi; printf '%s %s\\n' \"$3\" \"$s\"; }\n");
        foreach (var array in arrays)
        {
            script.Append("swarm_local ").Append(PosixQuoting.Quote(array.Layout.LocalDirectory)).Append(' ')
                .Append(array.ArrayIndex).Append(' ').Append(PosixQuoting.Quote(array.JobId)).Append('\n');
        }

        return new[] { new ProbeStep("local", script.Append("true").ToString()) };
    }

    public void ParseStatus(IReadOnlyDictionary<string, ProbeOutput> outputs, IReadOnlyList<TrackedArray> arrays, SchedulerSnapshot snapshot)
    {
        if (!outputs.TryGetValue("local", out var local))
        {
            return;
        }

        var counts = arrays.GroupBy(a => a.JobId).ToDictionary(g => g.Key, g => g.First().Count, StringComparer.Ordinal);
        foreach (var line in local.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length != 2 || !counts.TryGetValue(fields[0], out var count))
            {
                continue;
            }

            // The pool tracks arrays, not elements: the tracker refines Pending into Running with start marks.
            var state = fields[1] switch
            {
                "running" => SchedulerElementState.Pending,
                "done" => SchedulerElementState.Completed,
                _ => SchedulerElementState.Cancelled,
            };
            snapshot.SetRange(fields[0], 1, count, state, "pool " + fields[1]);
        }
    }

    /// <summary>The pool has only the exit code to go by.</summary>
    public bool NamesFailureCauses => false;

    public ShellCommand BuildCancel(IReadOnlyList<TrackedArray> arrays)
    {
        // Mark first, so dependants waiting on this array see it ended; kill the driver's whole group.
        var script = new StringBuilder("for spec in \"$@\"; do dir=${spec%|*}; rest=${spec##*|}; array=${rest%:*}; pid=${rest#*:}\n"
            + "  if [ ! -e \"$dir/$array.done\" ]; then : > \"$dir/$array.cancelled\"; kill -TERM -- \"-$pid\" 2>/dev/null; fi\n"
            + "done; true");
        var args = new List<string> { "-c", script.ToString(), "swarm-cancel" };
        args.AddRange(arrays.Select(a => $"{a.Layout.LocalDirectory}|{a.ArrayIndex}:{a.JobId}"));
        return new ShellCommand("bash", args) { Timeout = TimeSpan.FromSeconds(30) };
    }
}
