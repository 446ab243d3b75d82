namespace SwarmPS.Engine.Launch;

/// <summary>
/// When a crashed agent is started again: up to its restart limit, after a delay that doubles from
/// <see cref="InitialDelay"/> to <see cref="MaxDelay"/>, so a crash loop does not hammer a login node.
/// </summary>
public sealed record RestartPolicy(int Limit, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    public static RestartPolicy For(int limit) => new(limit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    public bool MayRestart(int restartsSoFar) => restartsSoFar < Limit;

    public TimeSpan DelayBefore(int restartNumber)
    {
        var factor = Math.Pow(2, Math.Max(0, restartNumber - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(InitialDelay.Ticks * factor, MaxDelay.Ticks));
        return delay;
    }
}
