namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What Set-SwarmRunLink attaches to a run: experiments, a tracker pointer, or both. One of them must be
/// given; <see cref="Create"/> refuses an empty link before anything is opened or asked.
/// </summary>
public sealed class RunLink
{
    private RunLink(IReadOnlyList<string> experiments, TrackerPointer? tracker)
    {
        Experiments = experiments;
        Tracker = tracker;
    }

    public IReadOnlyList<string> Experiments { get; }

    public TrackerPointer? Tracker { get; }

    /// <summary>A link for run <paramref name="runId"/>; <c>RunLinkMissing</c> when it would link nothing.</summary>
    public static RunLink Create(string runId, IReadOnlyList<string> experiments, TrackerPointer? tracker)
    {
        if (experiments.Count == 0 && tracker is null)
        {
            throw new SwarmException(
                "RunLinkMissing",
                "Set-SwarmRunLink was given nothing to link.",
                "Pass -Experiment <name> and/or -TrackerBackend <backend> with its -TrackerRunId, -TrackerUrl, -TrackerProject.",
                SwarmErrorCategory.InvalidArgument,
                runId);
        }

        return new RunLink(experiments, tracker);
    }

    /// <summary>Applies the link to run <paramref name="runId"/>: one change per part, experiments first.</summary>
    public IReadOnlyList<RunChange> ApplyTo(RunStore store, string runId)
    {
        var changes = new List<RunChange>();
        if (Experiments.Count > 0)
        {
            changes.Add(store.LinkExperiments(runId, Experiments));
        }

        if (Tracker is not null)
        {
            changes.Add(store.SetTracker(runId, Tracker));
        }

        return changes;
    }
}
