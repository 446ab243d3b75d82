namespace SwarmPS.Engine.Sites;

/// <summary>
/// What a centre allows one user. Null means "not stated in the profile": the planner then asks the
/// scheduler (SLURM's MaxArraySize, say) or applies no limit.
/// </summary>
public sealed record SiteLimits
{
    public int? MaxArraySize { get; init; }

    public int? MaxConcurrentJobs { get; init; }

    public TimeSpan? MaxWalltime { get; init; }
}
