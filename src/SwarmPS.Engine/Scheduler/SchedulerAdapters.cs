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
}
