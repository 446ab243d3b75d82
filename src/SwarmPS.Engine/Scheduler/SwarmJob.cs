using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One sweep as Get-SwarmJob shows it: counts by the latest attempt of each task, progress per wave and
/// per array, and (when asked) per task. <see cref="Id"/> is the job record key.
/// </summary>
public sealed class SwarmJob
{
    public required string Id { get; init; }

    public required string Site { get; init; }

    public SchedulerKind Scheduler { get; init; }

    /// <summary>
    /// Queued, Running, Succeeded, Failed (ended, some tasks failed or were cancelled), Cancelled (ended
    /// after Stop-SwarmJob stopped its latest attempt, some tasks did not succeed), Incomplete (some arrays never submitted).
    /// </summary>
    public required SwarmJobState State { get; init; }

    public long TaskCount { get; init; }

    public long Pending { get; init; }

    public long Running { get; init; }

    public long Succeeded { get; init; }

    public long Failed { get; init; }

    public long Cancelled { get; init; }

    public long NotSubmitted { get; init; }

    public int Attempts { get; init; }

    public string Command { get; init; } = "";

    public string JobRoot { get; init; } = "";

    /// <summary>Scheduler job ids of every array, in submission order.</summary>
    public IReadOnlyList<string> SchedulerJobIds { get; init; } = Array.Empty<string>();

    public IReadOnlyList<WaveProgress> Waves { get; init; } = Array.Empty<WaveProgress>();

    public IReadOnlyList<SwarmArrayStatus> Arrays { get; init; } = Array.Empty<SwarmArrayStatus>();

    /// <summary>Per-task detail: the tasks asked for with -Task, else every task that did not succeed.</summary>
    public IReadOnlyList<SwarmTaskStatus> Tasks { get; init; } = Array.Empty<SwarmTaskStatus>();

    public bool IsFinished => Pending == 0 && Running == 0;

    /// <summary>
    /// For an operator's warning: the job's failed tasks (at most <paramref name="shown"/>), each with its
    /// reason and its stderr.log, or null when none failed. Cancelled tasks are not failures here.
    /// </summary>
    public string? FailureNote(int shown = 3)
    {
        var failed = Tasks.Where(t => t.State == SwarmTaskState.Failed).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        var lines = failed.Take(shown).Select(t => $"task {t.Task} ({t.Reason ?? "failed"}): see {t.StandardErrorLog}");
        var more = failed.Count > shown ? $"; {failed.Count - shown} more: Get-SwarmJob -Id {Id} | Select-Object -ExpandProperty Tasks" : "";
        return $"Job {Id} on site '{Site}': {Failed} task(s) failed; {string.Join("; ", lines)}{more}.";
    }
}

/// <summary>Counts of one wave of one attempt, for progress bars.</summary>
public sealed record WaveProgress(int Attempt, int Wave, long Tasks, long Pending, long Running, long Succeeded, long Failed, long Cancelled, long NotSubmitted)
{
    public long Done => Succeeded + Failed + Cancelled;
}

/// <summary>One array job's counts.</summary>
public sealed record SwarmArrayStatus(
    string Id, string Site, int Attempt, int Wave, int Index, string? SchedulerJobId, int Count,
    long Pending, long Running, long Succeeded, long Failed, long Cancelled, bool Settled);

/// <summary>One task: its latest attempt, where it ran, its state and exit code, its stderr.log on the site, and why it failed (<see cref="FailureClass"/>).</summary>
public sealed record SwarmTaskStatus(
    string Id, string Site, long Task, int Attempt, int Wave, string? SchedulerJobId, int ArrayIndex,
    SwarmTaskState State, int? ExitCode, string? Reason, string StandardErrorLog, FailureClass? Failure = null);
