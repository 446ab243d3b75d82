namespace SwarmPS.Engine.Scheduler;

/// <summary>What Watch-SwarmJob did about one failed task.</summary>
public enum WatchAction
{
    /// <summary>Submitted again in a new attempt (<see cref="WatchDecision.NewAttempt"/>), with the resources shown.</summary>
    Resubmitted,

    /// <summary>Not submitted again: the failure is the task's own (a non-zero exit) or the operator's (cancelled).</summary>
    NotResubmitted,

    /// <summary>Would be worth another try, but nothing more can be given or the attempts are spent; the message says which.</summary>
    GaveUp,
}

/// <summary>
/// One decision about one failed task: which task, which attempt failed and why (its <see cref="FailureClass"/>),
/// what was done, the resources it had and those it gets, and a sentence an operator can act on.
/// </summary>
public sealed record WatchDecision(
    string Id,
    string Site,
    long Task,
    int Attempt,
    FailureClass Failure,
    WatchAction Action,
    TimeSpan? OldWalltime,
    TimeSpan? NewWalltime,
    long? OldMemory,
    long? NewMemory,
    string Message)
{
    /// <summary>The attempt the task was submitted again in; null unless <see cref="Action"/> is Resubmitted.</summary>
    public int? NewAttempt { get; init; }

    /// <summary>The task's stderr.log on the site (for a non-zero exit, what the task itself said).</summary>
    public string? StandardErrorLog { get; init; }

    /// <summary>"walltime 00:01:00, memory 1G" as the failed attempt asked; "site default" where it asked nothing.</summary>
    public string OldResources => Describe(OldWalltime, OldMemory);

    /// <summary>The resources of the new attempt; empty unless resubmitted.</summary>
    public string NewResources => Action == WatchAction.Resubmitted ? Describe(NewWalltime, NewMemory) : "";

    public override string ToString() => $"Job {Id} task {Task} (attempt {Attempt}, {Failure}): {Message}";

    private static string Describe(TimeSpan? walltime, long? memory) =>
        $"walltime {(walltime is { } w ? SchedulerTime.Format(w) : "site default")}, memory {(memory is { } m ? MemorySize.Format(m) : "site default")}";
}
