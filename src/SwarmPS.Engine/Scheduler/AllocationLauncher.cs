using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>How the batch script starts one rank wrapper per rank on the allocated nodes.</summary>
public enum AllocationLauncher
{
    /// <summary>SLURM's srun: rank from SLURM_PROCID.</summary>
    Srun,

    /// <summary>MPICH/PALS (Aurora, Polaris) or Open MPI mpiexec: rank from PMI_RANK or OMPI_COMM_WORLD_RANK.</summary>
    Mpiexec,

    /// <summary>PBS's pbsdsh, one process per allocated vnode: rank from PBS_VNODENUM.</summary>
    Pbsdsh,

    /// <summary>The batch script forks every rank itself on the job's first node (Grid Engine without a parallel environment).</summary>
    Fork,
}

public static class AllocationLaunchers
{
    /// <summary>The launcher a scheduler's sites usually have when the profile names none.</summary>
    public static AllocationLauncher DefaultFor(SchedulerKind scheduler) => scheduler switch
    {
        SchedulerKind.Slurm => AllocationLauncher.Srun,
        SchedulerKind.Pbs => AllocationLauncher.Mpiexec,
        _ => AllocationLauncher.Fork,
    };

    public static string Name(AllocationLauncher launcher) => launcher.ToString().ToLowerInvariant();

    /// <summary>Parses a launcher name (the profile's or -Launcher's); an unknown one is AllocationLauncherUnknown.</summary>
    public static AllocationLauncher Parse(string text, object? target) =>
        Enum.GetValues<AllocationLauncher>().FirstOrDefault(l => Name(l) == text) is var launcher && Name(launcher) == text
            ? launcher
            : throw new SwarmException(
                "AllocationLauncherUnknown",
                $"'{text}' is not a launcher SwarmPS can start ranks with.",
                "Set the site profile's launcher to one of: " + string.Join(", ", SiteProfileLoader.Launchers) + ".",
                SwarmErrorCategory.InvalidArgument,
                target);

    /// <summary>pbsdsh exists only under PBS and srun only under SLURM; mpiexec and fork run under any.</summary>
    public static bool RunsUnder(AllocationLauncher launcher, SchedulerKind scheduler) => launcher switch
    {
        AllocationLauncher.Srun => scheduler == SchedulerKind.Slurm,
        AllocationLauncher.Pbsdsh => scheduler == SchedulerKind.Pbs,
        _ => true,
    };
}
