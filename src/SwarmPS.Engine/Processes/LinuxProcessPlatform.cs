using System.Globalization;

namespace SwarmPS.Engine.Processes;

/// <summary>Linux: start time and state from /proc/&lt;pid&gt;/stat, kill(2) from libc, setsid from util-linux.</summary>
public sealed class LinuxProcessPlatform : IProcessPlatform
{
    public string Name => "Linux";

    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat: clock ticks since boot, which a recycled pid never repeats.</summary>
    public long? ReadStartTicks(int pid)
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

    public bool IsZombie(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
    }

    public bool Kill(int pid, int signal) => PosixSignals.Kill(pid, signal);

    public (int Stop, int Continue) PauseSignals => (19, 18);

    public string? SessionLeaderProgram => new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

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
}
