namespace SwarmPS.Engine.Scheduler;

/// <summary>What one status query learnt: the state of array elements by (scheduler job id, array index).</summary>
public sealed class SchedulerSnapshot
{
    private readonly Dictionary<(string JobId, int Index), SchedulerElement> _elements = new();

    /// <summary>Jobs the scheduler mentioned at all (live or in accounting).</summary>
    public HashSet<string> KnownJobs { get; } = new(StringComparer.Ordinal);

    public int ElementCount => _elements.Count;

    /// <summary>Records an element; a later, more final report (accounting after queue) wins over Pending/Running.</summary>
    public void Set(string jobId, int index, SchedulerElementState state, int? exitCode = null, string? detail = null, FailureClass? failure = null)
    {
        KnownJobs.Add(jobId);
        if (_elements.TryGetValue((jobId, index), out var existing) && IsFinal(existing.State) && !IsFinal(state))
        {
            return;
        }

        _elements[(jobId, index)] = new SchedulerElement(state, exitCode, detail, failure);
    }

    public void SetRange(string jobId, int first, int last, SchedulerElementState state, string? detail = null)
    {
        for (var i = first; i <= last; i++)
        {
            Set(jobId, i, state, null, detail);
        }
    }

    public bool TryGet(string jobId, int index, out SchedulerElement element) => _elements.TryGetValue((jobId, index), out element!);

    public static bool IsFinal(SchedulerElementState state) => state is SchedulerElementState.Completed or SchedulerElementState.Failed or SchedulerElementState.Cancelled;
}

/// <summary>One element's state, its exit code when the scheduler knows it, the scheduler's own word for it, and why it failed (<see cref="FailureClassifier"/>).</summary>
public sealed record SchedulerElement(SchedulerElementState State, int? ExitCode, string? Detail, FailureClass? Failure = null);
