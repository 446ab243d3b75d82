using System.Globalization;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// One bin of a decade histogram: values v with <see cref="Low"/> ≤ v &lt; <see cref="High"/>, where Low is a
/// power of ten and High ten times it (1–10, 10–100, …; 0.1–1 for sub-second walltimes). A zero has its own
/// bin, 0–0. Only bins that hold a value are listed, lowest first.
/// </summary>
public sealed record HistogramBin(double Low, double High, int Count)
{
    public string Range => Low == 0 && High == 0 ? "0" : $"[{Text(Low)}, {Text(High)})";

    public static IReadOnlyList<HistogramBin> Decades(IEnumerable<double> values) =>
        values
            .Select(DecadeOf)
            .GroupBy(low => low)
            .OrderBy(g => g.Key)
            .Select(g => new HistogramBin(g.Key, g.Key * 10, g.Count()))
            .ToList();

    /// <summary>The power of ten at or below <paramref name="value"/> (exact at the powers themselves, where log10 may round either way).</summary>
    public static double DecadeOf(double value)
    {
        if (value <= 0)
        {
            return 0;
        }

        var low = Math.Pow(10, Math.Floor(Math.Log10(value)));
        if (low > value)
        {
            low /= 10;
        }
        else if (low * 10 <= value)
        {
            low *= 10;
        }

        return low;
    }

    private static string Text(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
