using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Memory sizes as schedulers print them, in bytes: Grid Engine's "1G", "1.012G", "512M" (K/M/G/T are
/// powers of 1024 as in sge_types(1)), PBS's "1234kb", "4gb", SLURM's "4000M", and plain bytes.
/// </summary>
public static partial class MemorySize
{
    public static long? TryParse(string text)
    {
        var match = SizePattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var unit = match.Groups[2].Value.ToUpperInvariant().TrimEnd('B', 'I');
        double scale = unit switch
        {
            "" => 1,
            "K" => 1024,
            "M" => 1024d * 1024,
            "G" => 1024d * 1024 * 1024,
            "T" => 1024d * 1024 * 1024 * 1024,
            _ => -1,
        };
        return scale < 0 ? null : (long)(number * scale);
    }

    /// <summary>For messages: "1.5G", "768M", "512K" (powers of 1024).</summary>
    public static string Format(long bytes)
    {
        foreach (var (unit, scale) in new[] { ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10) })
        {
            if (bytes >= scale)
            {
                return (bytes / (double)scale).ToString("0.##", CultureInfo.InvariantCulture) + unit;
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?[iI]?[bB]?)$")]
    private static partial Regex SizePattern();
}
