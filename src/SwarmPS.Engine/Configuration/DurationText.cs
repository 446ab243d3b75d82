using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Durations as operators write them in profiles: plain seconds (600), a number with a unit
/// (90s, 10m, 2h, 1d) or a scheduler walltime (HH:MM:SS, or D-HH:MM:SS as SLURM prints it).
/// </summary>
public static partial class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        var unit = WithUnit().Match(text);
        if (unit.Success)
        {
            var amount = double.Parse(unit.Groups[1].Value, CultureInfo.InvariantCulture);
            duration = unit.Groups[2].Value switch
            {
                "" or "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
            return true;
        }

        var clock = Clock().Match(text);
        if (!clock.Success)
        {
            return false;
        }

        var days = clock.Groups[1].Success ? int.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var hours = int.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture);
        var minutes = int.Parse(clock.Groups[3].Value, CultureInfo.InvariantCulture);
        var seconds = clock.Groups[4].Success ? int.Parse(clock.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
        if (minutes > 59 || seconds > 59)
        {
            return false;
        }

        duration = new TimeSpan(days, hours, minutes, seconds);
        return true;
    }

    /// <summary>HH:MM:SS (hours may exceed 24), the form every scheduler accepts for walltime.</summary>
    public static string ToWalltime(TimeSpan duration) =>
        $"{(int)duration.TotalHours:00}:{duration.Minutes:00}:{duration.Seconds:00}";

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(s|m|h|d|)$", RegexOptions.CultureInvariant)]
    private static partial Regex WithUnit();

    [GeneratedRegex(@"^(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Clock();
}
