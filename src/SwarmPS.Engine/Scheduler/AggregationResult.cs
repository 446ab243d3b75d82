namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// What Invoke-SwarmAggregation found and did for one job: complete (the reducer ran over every task's
/// result and its summary came home) or not (a finding: which tasks have no result, which results are
/// foreign; the reducer did not run, so nothing partial is ever taken for the whole).
/// </summary>
public sealed record AggregationResult
{
    public required string Job { get; init; }

    public required string Site { get; init; }

    public required long TaskCount { get; init; }

    /// <summary>Tasks whose results the reducer combined: all of them, or none.</summary>
    public long Combined { get; init; }

    public bool Complete => MissingTasks.Count == 0 && ForeignResults.Count == 0 && Coverage.Count == 0;

    /// <summary>Tasks without a result of their own: not succeeded in their latest attempt, or no result directory.</summary>
    public IReadOnlyList<long> MissingTasks { get; init; } = Array.Empty<long>();

    /// <summary>Result directories that are not this job's own (copied in, renamed, or written by another job).</summary>
    public IReadOnlyList<string> ForeignResults { get; init; } = Array.Empty<string>();

    /// <summary>Tasks the job record does not run exactly once per attempt (a corrupted or edited record).</summary>
    public IReadOnlyList<string> Coverage { get; init; } = Array.Empty<string>();

    /// <summary>The reducer as run, on the site; null when it did not run.</summary>
    public string? Reducer { get; init; }

    /// <summary>The combined summary on the site (its aggregate/ folder); null when the reducer did not run.</summary>
    public string? RemoteSummary { get; init; }

    /// <summary>The summary brought home; null when the reducer did not run.</summary>
    public string? SummaryPath { get; init; }

    public long SummaryBytes { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>One line for an operator: what is missing or foreign, or what was combined.</summary>
    public string Finding => Complete
        ? $"job {Job}: {Combined} of {TaskCount} tasks combined; summary at {SummaryPath}"
        : string.Join("; ", new[]
        {
            MissingTasks.Count > 0 ? $"{MissingTasks.Count} of {TaskCount} tasks have no result: {Ids(MissingTasks)}" : null,
            ForeignResults.Count > 0 ? $"{ForeignResults.Count} foreign result(s): {string.Join("; ", ForeignResults.Take(5))}{(ForeignResults.Count > 5 ? "; ..." : "")}" : null,
            Coverage.Count > 0 ? string.Join("; ", Coverage.Take(5)) : null,
        }.OfType<string>());

    private static string Ids(IReadOnlyList<long> tasks) =>
        string.Join(", ", tasks.Take(20)) + (tasks.Count > 20 ? $", ... ({tasks.Count - 20} more)" : "");
}
