using System.Globalization;

namespace SwarmPS.Engine.Scheduler;

/// <summary>Walltimes as every scheduler here reads them: [D-]HH:MM:SS for SLURM, HH:MM:SS for PBS and SGE.</summary>
public static class SchedulerTime
{
    /// <summary>HH:MM:SS with hours past 24 (PBS, SGE and SLURM all accept this form).</summary>
    public static string Format(TimeSpan time)
    {
        var seconds = (long)Math.Ceiling(time.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }
}
