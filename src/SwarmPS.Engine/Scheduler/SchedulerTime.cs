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

    /// <summary>
    /// Reads a walltime as schedulers print it: seconds ("61", "61.5s"), [HH:]MM:SS, or SLURM's D-HH:MM:SS.
    /// </summary>
    public static bool TryParse(string text, out TimeSpan time)
    {
        time = default;
        var value = text.Trim().TrimEnd('s');
        var days = 0;
        var dash = value.IndexOf('-');
        if (dash > 0 && int.TryParse(value[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out days))
        {
            value = value[(dash + 1)..];
        }

        var parts = value.Split(':');
        if (parts.Length > 3 || value.Length == 0)
        {
            return false;
        }

        double seconds = 0;
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            seconds = seconds * 60 + number;
        }

        time = TimeSpan.FromSeconds(seconds) + TimeSpan.FromDays(days);
        return true;
    }
}
