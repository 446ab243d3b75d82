using System.Diagnostics;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// macOS, untested (CI is Linux only): no /proc, so the runtime's process start time (proc_pidinfo)
/// stands in for the kernel's start ticks, kill(2) is the same libc call, and there is no setsid
/// program, so a child does not lead its own process group: stopping an agent stops it, not what it
/// spawned.
/// </summary>
public sealed class MacProcessPlatform : IProcessPlatform
{
    public string Name => "macOS";

    public long? ReadStartTicks(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The runtime does not report zombies here; a reaped child no longer has a start time at all.</summary>
    public bool IsZombie(int pid) => false;

    public bool Kill(int pid, int signal) => PosixSignals.Kill(pid, signal);

    public (int Stop, int Continue) PauseSignals => (17, 19);

    public string? SessionLeaderProgram => null;
}
