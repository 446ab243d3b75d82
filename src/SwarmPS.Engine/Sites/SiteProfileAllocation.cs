namespace SwarmPS.Engine.Sites;

/// <summary>
/// The <c>allocation:</c> block of a site profile: the defaults a launch with -Allocation takes when the
/// operator names none (nodes, walltime, queue). Its presence alone does not make a launch allocated; the
/// operator still asks for one with -Allocation, so a profile edit never moves agents into a queue unasked.
/// </summary>
public sealed record SiteProfileAllocation
{
    /// <summary>Nodes to ask for; null lets the rank count decide (one node unless told otherwise).</summary>
    public int? Nodes { get; init; }

    public TimeSpan? Walltime { get; init; }

    /// <summary>Queue or partition for allocations only; null falls back to the profile's <c>queue</c>.</summary>
    public string? Queue { get; init; }
}
