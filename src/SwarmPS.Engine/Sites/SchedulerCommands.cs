namespace SwarmPS.Engine.Sites;

/// <summary>The commands SwarmPS runs on a site for each scheduler; preflight checks they are on PATH.</summary>
public static class SchedulerCommands
{
    public static IReadOnlyList<string> For(SchedulerKind scheduler) => scheduler switch
    {
        SchedulerKind.Slurm => new[] { "sbatch", "squeue", "sacct", "scancel" },
        SchedulerKind.Pbs => new[] { "qsub", "qstat", "qdel" },
        SchedulerKind.Sge => new[] { "qsub", "qstat", "qacct", "qdel" },
        _ => Array.Empty<string>(),
    };
}
