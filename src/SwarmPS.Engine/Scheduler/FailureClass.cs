namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Why a task failed, as its scheduler's own data says (SLURM's job state, Grid Engine's accounting, PBS's
/// exit status and resources used). The class decides what Watch-SwarmJob does: more walltime, more
/// memory, the same again (not the task's fault), or nothing (the task's own error).
/// </summary>
public enum FailureClass
{
    /// <summary>Killed at its walltime limit (SLURM TIMEOUT, SGE h_rt, PBS walltime exceeded).</summary>
    Walltime,

    /// <summary>Killed for using more memory than it asked for (SLURM OUT_OF_MEMORY, SGE h_vmem, PBS mem exceeded).</summary>
    OutOfMemory,

    /// <summary>Its node failed or could not start it (SLURM NODE_FAIL/BOOT_FAIL, SGE failed before the job ran).</summary>
    NodeFailure,

    /// <summary>Preempted by higher-priority work (SLURM PREEMPTED).</summary>
    Preempted,

    /// <summary>The task's command ended with a non-zero exit code of its own.</summary>
    NonZeroExit,

    /// <summary>Cancelled (scancel, qdel, Stop-SwarmJob).</summary>
    Cancelled,

    /// <summary>Ended without success for a reason the scheduler did not say.</summary>
    Unknown,
}
