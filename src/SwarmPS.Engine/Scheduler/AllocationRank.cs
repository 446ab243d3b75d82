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
    string? WorkingDirectory = null);
