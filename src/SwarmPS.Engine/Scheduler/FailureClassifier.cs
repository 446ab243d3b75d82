using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Reads why a task ended from its scheduler's own words, one method per scheduler, each over the fields
/// the adapter's status query already fetches (no extra query): SLURM's job state; Grid Engine's qacct
/// record (failed, exit_status, the limits asked for in category, maxvmem and ru_wallclock); PBS's
/// Exit_status with resources used against those asked for. Null means "not a failure" (it succeeded
/// or has not ended). Recorded outputs with their provenance: tests/SwarmPS.Engine.Tests/Scheduler/Fixtures.
/// </summary>
public static partial class FailureClassifier
{
    /// <summary>SLURM's state word (sacct State, squeue %T or scontrol JobState): "TIMEOUT", "CANCELLED by 0", "OUT_OF_MEMORY".</summary>
    public static FailureClass? Slurm(string state) => state.Split(' ')[0].TrimEnd('+').ToUpperInvariant() switch
    {
        "TIMEOUT" => FailureClass.Walltime,
        "OUT_OF_MEMORY" => FailureClass.OutOfMemory,
        "NODE_FAIL" or "BOOT_FAIL" => FailureClass.NodeFailure,
        "PREEMPTED" => FailureClass.Preempted,
        "FAILED" => FailureClass.NonZeroExit,
        "CANCELLED" or "REVOKED" => FailureClass.Cancelled,
        "DEADLINE" => FailureClass.Unknown,
        _ => null,
    };

    /// <summary>
    /// Grid Engine's qacct fields. A hard limit kills with SIGKILL (exit_status 137), a soft one with SIGUSR1
    /// (138, s_rt) or SIGXCPU (152, s_cpu/s_rss): which limit it was is read from the limits asked for
    /// (category "-l h_rt=60,h_vmem=1G") against what the task used (ru_wallclock, maxvmem). "failed" codes
    /// below 12 and 26 to 29 mean the job never started on its host (sge_status(5)).
    /// </summary>
    public static FailureClass? Sge(IReadOnlyDictionary<string, string> fields)
    {
        var failed = LeadingInt(fields.GetValueOrDefault("failed", "0")) ?? 0;
        var exit = LeadingInt(fields.GetValueOrDefault("exit_status", ""));
        if (failed == 0 && exit == 0)
        {
            return null;
        }

        if (failed is (>= 1 and <= 11) or (>= 26 and <= 29))
        {
            return FailureClass.NodeFailure;
        }

        var limits = Limits(fields.GetValueOrDefault("category", ""));
        if (exit is 137 or 138 or 152 || failed == 37)
        {
            var wallclock = LeadingDouble(fields.GetValueOrDefault("ru_wallclock", ""));
            foreach (var name in new[] { "h_rt", "s_rt" })
            {
                if (limits.TryGetValue(name, out var asked) && SchedulerTime.TryParse(asked, out var limit) && wallclock is { } used && used >= limit.TotalSeconds - 1)
                {
                    return FailureClass.Walltime;
                }
            }
        }

        // h_vmem is a limit on the address space: an allocation past it fails inside the task (Python's
        // MemoryError, exit 1), or execd kills it. Either way the peak the task reached (maxvmem) is what
        // it had when the allocation that failed was asked for; three quarters of the limit or more says so.
        var maxvmem = MemorySize.TryParse(fields.GetValueOrDefault("maxvmem", ""));
        foreach (var name in new[] { "h_vmem", "s_vmem", "h_rss", "s_rss" })
        {
            if (limits.TryGetValue(name, out var asked) && MemorySize.TryParse(asked) is { } limit && maxvmem is { } used && used >= limit * 0.75)
            {
                return FailureClass.OutOfMemory;
            }
        }

        return exit is > 0 ? FailureClass.NonZeroExit : FailureClass.Unknown;
    }

    /// <summary>
    /// PBS's Exit_status (256 + n: killed by signal n; negative: PBS itself ended or never started the job)
    /// and the job's resources used against Resource_List: a job killed past its walltime or memory.
    /// </summary>
    public static FailureClass? Pbs(int? exit, string? walltimeUsed, string? walltimeAsked, string? memoryUsed, string? memoryAsked)
    {
        if (exit is null or 0)
        {
            return null;
        }

        if (exit < 0)
        {
            return FailureClass.Unknown;
        }

        if (exit > 128)
        {
            if (SchedulerTime.TryParse(walltimeUsed ?? "", out var used) && SchedulerTime.TryParse(walltimeAsked ?? "", out var asked) && used >= asked)
            {
                return FailureClass.Walltime;
            }

            if (MemorySize.TryParse(memoryUsed ?? "") is { } usedMemory && MemorySize.TryParse(memoryAsked ?? "") is { } askedMemory && usedMemory >= askedMemory * 0.95)
            {
                return FailureClass.OutOfMemory;
            }
        }

        return FailureClass.NonZeroExit;
    }

    /// <summary>"-U users -l h_rt=60,h_vmem=1G -q all.q" → {h_rt: 60, h_vmem: 1G}.</summary>
    private static Dictionary<string, string> Limits(string category)
    {
        var limits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in LimitListPattern().Matches(category))
        {
            foreach (var pair in match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq > 0)
                {
                    limits.TryAdd(pair[..eq], pair[(eq + 1)..]);
                }
            }
        }

        return limits;
    }

    private static int? LeadingInt(string text) =>
        LeadingNumberPattern().Match(text.Trim()) is { Success: true } m && int.TryParse(m.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? LeadingDouble(string text) =>
        LeadingNumberPattern().Match(text.Trim()) is { Success: true } m && double.TryParse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    [GeneratedRegex(@"-l\s+(\S+)")]
    private static partial Regex LimitListPattern();

    [GeneratedRegex(@"^-?\d+(\.\d+)?")]
    private static partial Regex LeadingNumberPattern();
}
