namespace SwarmPS.Engine.Sites;

/// <summary>
/// One line of a site preflight (Test-SwarmSite): what was checked, how it went and, when it is not a
/// Pass, what to do about it. <see cref="FromCache"/> marks a result served from the 24-hour cache.
/// </summary>
public sealed record PreflightCheck
{
    public required string Site { get; init; }

    public required string Name { get; init; }

    public required PreflightStatus Status { get; init; }

    /// <summary>What was found; for Warn and Fail it ends with "Fix: ..." naming the remedy.</summary>
    public required string Detail { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>When the check ran (for a cached result: when it originally ran).</summary>
    public DateTimeOffset CheckedAt { get; init; }

    public bool FromCache { get; init; }
}
