namespace SwarmPS.Engine.Ledger;

/// <summary>A run cited by id, at a 1-based line of its finding file.</summary>
public sealed record RunCitation(string Id, int Line);

/// <summary>Every run of an experiment, optionally only those of some statuses, cited at a line.</summary>
public sealed record BatchCitation(string Experiment, IReadOnlyList<RunStatus> Statuses, int Line)
{
    public string Selector => Statuses.Count == 0
        ? $"experiment={Experiment}"
        : $"experiment={Experiment} status={string.Join(",", Statuses.Select(s => s.ToName()))}";
}
