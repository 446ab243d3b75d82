namespace SwarmPS.Engine.Scheduler;

/// <summary>What a canary must show before the rest of a sweep is submitted (Submit-SwarmJob -Canary).</summary>
public sealed record CanaryOptions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    /// <summary>How long the canary may take, queue wait included; the rest is not submitted after it.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Seconds between the canary's status polls.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Paths, relative to the task's result directory (SWARM_TASK_DIR), the canary must have written.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = Array.Empty<string>();
}
