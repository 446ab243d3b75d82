namespace SwarmPS.Engine.Processes;

/// <summary>
/// A process as SwarmPS records it: pid plus the kernel's start time of that pid. A pid alone is reused
/// after the process exits; the pair is not, so <see cref="IsAlive"/> and <see cref="Signal"/> never
/// touch an unrelated process that happens to hold a recycled pid. How the start time is read and a
/// signal sent is the platform's (<see cref="ProcessPlatform.Current"/>: /proc on Linux).
/// </summary>
public sealed record ProcessIdentity(int Pid, long StartTicks)
{
    public const int SignalTerminate = 15;
    public const int SignalKill = 9;

    public static ProcessIdentity Of(int pid) =>
        TryOf(pid) ?? throw new SwarmException(
            "ProcessNotFound", $"No process with pid {pid} is running.", "The process already exited; nothing to do.",
            SwarmErrorCategory.ObjectNotFound, pid);

    public static ProcessIdentity Current => Of(Environment.ProcessId);

    public static ProcessIdentity? TryOf(int pid)
    {
        var start = ReadStartTicks(pid);
        return start is null ? null : new ProcessIdentity(pid, start.Value);
    }

    /// <summary>True when this very process (same pid, same start) is still running and not a zombie.</summary>
    public bool IsAlive => ReadStartTicks(Pid) == StartTicks && !IsZombie(Pid);

    /// <summary>Sends a signal if, and only if, this is still the same process. Returns whether it was sent.</summary>
    public bool Signal(int signal)
    {
        if (!IsAlive)
        {
            return false;
        }

        return ProcessPlatform.Current.Kill(Pid, signal);
    }

    /// <summary>
    /// Signals the process group this process leads (kill(-pid)), if it is still the same process:
    /// its children go too. Returns whether it was sent.
    /// </summary>
    public bool SignalGroup(int signal) => IsAlive && ProcessPlatform.Current.Kill(-Pid, signal);

    private static long? ReadStartTicks(int pid) => ProcessPlatform.Current.ReadStartTicks(pid);

    private static bool IsZombie(int pid) => ProcessPlatform.Current.IsZombie(pid);
}
