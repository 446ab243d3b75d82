using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>The adapter for each scheduler kind.</summary>
public static class SchedulerAdapters
{
    public static ISchedulerAdapter For(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Slurm => new SlurmAdapter(),
        SchedulerKind.Sge => new SgeAdapter(),
        SchedulerKind.Pbs => new PbsAdapter(),
        _ => new LocalPoolAdapter(),
    };

    /// <summary>
    /// The scheduler programs a site of this kind needs, as its adapter declares them: what
    /// <see cref="SitePreflight"/> is given to check, since Sites cannot ask the adapters itself
    /// (Scheduler depends on Sites, not the other way).
    /// </summary>
    public static IReadOnlyList<string> RequiredCommands(SchedulerKind kind) => For(kind).RequiredCommands;
}
