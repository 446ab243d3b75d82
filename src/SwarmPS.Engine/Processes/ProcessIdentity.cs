using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// A process as SwarmPS records it: pid plus the kernel's start time of that pid. A pid alone is reused
/// after the process exits; the pair is not, so <see cref="IsAlive"/> and <see cref="Signal"/> never
/// touch an unrelated process that happens to hold a recycled pid.
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

        return NativeMethods.kill(Pid, signal) == 0;
    }

    /// <summary>
    /// Signals the process group this process leads (kill(-pid)), if it is still the same process:
    /// its children go too. Returns whether it was sent.
    /// </summary>
    public bool SignalGroup(int signal) => IsAlive && NativeMethods.kill(-Pid, signal) == 0;

    /// <summary>
    /// The start time in clock ticks since boot, field 22 of /proc/&lt;pid&gt;/stat on Linux. On other
    /// systems (macOS) the process start time from the runtime stands in.
    /// </summary>
    private static long? ReadStartTicks(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            var stat = ReadStat(pid);
            if (stat is null)
            {
                return null;
            }

            // The command name (field 2) is in parentheses and may hold spaces; count fields after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }

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

    private static bool IsZombie(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var stat = ReadStat(pid);
        return stat is not null && stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
    }

    private static string? ReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SA1300, IDE1006 // the C name
        public static extern int kill(int pid, int sig);
#pragma warning restore SA1300, IDE1006
    }
}
