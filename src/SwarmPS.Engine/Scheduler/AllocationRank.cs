namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// One agent as a rank of an allocation will start it: its name, its argv and every variable it must see.
/// The environment is written into the rank wrapper verbatim, so it reaches the rank whatever the
/// launcher forwards (the seed found mpiexec --genvall unreliable).
/// </summary>
public sealed record AllocationRank(
    string Agent,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDirectory = null)
{
    /// <summary>Where the rank appends its agent's stdout; null leaves it to the scheduler's job output.</summary>
    public string? StandardOutput { get; init; }

    /// <summary>Where the rank appends its agent's stderr; null leaves it to the scheduler's job output.</summary>
    public string? StandardError { get; init; }
}
