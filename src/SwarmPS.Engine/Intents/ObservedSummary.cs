namespace SwarmPS.Engine.Intents;

/// <summary>
/// Quantiles of observed values by the nearest-rank method: the p-th percentile of n sorted values is the
/// value at rank ceil(p·n/100) (1-based). Every figure is one of the values observed, never an interpolation
/// or an estimate; <see cref="Count"/> says how many values it rests on.
/// </summary>
public sealed record ObservedSummary(int Count, double Min, double P50, double P90, double Max)
{
    /// <summary>The summary of <paramref name="values"/>, or null when there are none (nothing is made up).</summary>
    public static ObservedSummary? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0
            ? null
            : new ObservedSummary(sorted.Length, sorted[0], NearestRank(sorted, 50), NearestRank(sorted, 90), sorted[^1]);
    }

    /// <summary>The value at rank ceil(percent·n/100) of ascending <paramref name="sorted"/>, in whole-number arithmetic.</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, int percent)
    {
        var rank = Math.Max(1, (int)(((long)percent * sorted.Count + 99) / 100));
        return sorted[rank - 1];
    }
}
