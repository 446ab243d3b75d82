namespace SwarmPS.Engine.Sites;

/// <summary>
/// One site as Get-SwarmSite lists it. A built-in template whose variables are not set yet is still
/// listed (so operators see what SwarmPS knows) with <see cref="Ready"/> false and the fix in
/// <see cref="Problem"/>; using it (Test-SwarmSite, a launch) raises that same error.
/// </summary>
public sealed record SiteEntry
{
    public required string Name { get; init; }

    public SchedulerKind? Scheduler { get; init; }

    public string? LoginHost { get; init; }

    public string? Description { get; init; }

    /// <summary>The file it came from, or "built-in".</summary>
    public required string Source { get; init; }

    public bool Ready => Profile is not null;

    /// <summary>Why the profile cannot be used yet, with the fix; null when ready.</summary>
    public string? Problem { get; init; }

    public SiteProfile? Profile { get; init; }
}
