namespace SwarmPS.Engine.Sites;

/// <summary>The batch systems SwarmPS drives. <see cref="Local"/> is a bounded process pool on this machine.</summary>
public enum SchedulerKind
{
    Local,
    Slurm,
    Pbs,
    Sge,
}
