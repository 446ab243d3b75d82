using System.Globalization;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// What a set of past campaigns took, from observed values only: how many campaigns (by task kind), the
/// task counts the intents record (histogram and nearest-rank quantiles), the walltimes of the ledger's
/// finished runs that belong to them (<see cref="IntentRuns"/>), and the range of each parameter per
/// generator. A campaign without finished runs counts among the campaigns and task counts but adds nothing
/// to the walltimes; <see cref="Runs"/> and <see cref="CampaignsWithRuns"/> say what the walltimes rest on.
/// </summary>
public sealed record IntentRollup
{
    public const int MaxListedValues = 100;

    public required int Campaigns { get; init; }

    /// <summary>Campaigns per task kind; those saved without one are under "".</summary>
    public required IReadOnlyDictionary<string, int> TaskKinds { get; init; }

    public required long TotalTasks { get; init; }

    /// <summary>Null when there are no campaigns.</summary>
    public ObservedSummary? TaskCounts { get; init; }

    public required IReadOnlyList<HistogramBin> TaskCountHistogram { get; init; }

    /// <summary>Finished runs the walltimes rest on.</summary>
    public required int Runs { get; init; }

    public required int CampaignsWithRuns { get; init; }

    /// <summary>Walltimes (seconds) of the finished runs; null when there are none.</summary>
    public ObservedSummary? WallSeconds { get; init; }

    public required IReadOnlyList<HistogramBin> WallSecondsHistogram { get; init; }

    public required IReadOnlyList<ParameterRange> Parameters { get; init; }

    public static IntentRollup Of(IReadOnlyList<CampaignIntent> intents, IReadOnlyList<IReadOnlyList<LedgerEntry>> runsByIntent) =>
        Of(intents, runsByIntent.Select(runs => (IReadOnlyList<double>)runs.Where(r => r.WallSeconds is not null).Select(r => r.WallSeconds!.Value).ToList()).ToList());

    /// <summary>The rollup of <paramref name="intents"/>, with each one's finished runs' walltimes (same order).</summary>
    public static IntentRollup Of(IReadOnlyList<CampaignIntent> intents, IReadOnlyList<IReadOnlyList<double>> wallSecondsByIntent)
    {
        if (wallSecondsByIntent.Count != intents.Count)
        {
            throw new ArgumentException("One list of walltimes per intent is needed.", nameof(wallSecondsByIntent));
        }

        var taskCounts = intents.Select(i => (double)i.TaskCount).ToList();
        var walls = wallSecondsByIntent.SelectMany(w => w).ToList();
        return new IntentRollup
        {
            Campaigns = intents.Count,
            TaskKinds = intents
                .GroupBy(i => i.TaskKind ?? "", StringComparer.OrdinalIgnoreCase)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase),
            TotalTasks = intents.Sum(i => i.TaskCount),
            TaskCounts = ObservedSummary.Of(taskCounts),
            TaskCountHistogram = HistogramBin.Decades(taskCounts),
            Runs = walls.Count,
            CampaignsWithRuns = wallSecondsByIntent.Count(w => w.Count > 0),
            WallSeconds = ObservedSummary.Of(walls),
            WallSecondsHistogram = HistogramBin.Decades(walls),
            Parameters = Ranges(intents),
        };
    }

    private static List<ParameterRange> Ranges(IReadOnlyList<CampaignIntent> intents)
    {
        var ranges = new List<ParameterRange>();
        foreach (var generator in intents.GroupBy(i => i.Generator.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var parameters = generator
                .SelectMany(intent => intent.Generator.ParameterNames.Select(name => (Name: name, Values: intent.Generator.ValuesOf(name))))
                .GroupBy(p => p.Name, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var parameter in parameters)
            {
                var values = parameter.SelectMany(p => p.Values).Distinct(StringComparer.Ordinal).ToList();
                var numbers = values.Select(Number).ToList();
                var numeric = values.Count > 0 && numbers.All(n => n is not null);
                ranges.Add(new ParameterRange(
                    generator.Key,
                    parameter.Key,
                    parameter.Count(),
                    numeric,
                    numeric ? numbers.Min() : null,
                    numeric ? numbers.Max() : null,
                    values.Count,
                    numeric ? [] : values.Order(StringComparer.Ordinal).Take(MaxListedValues).ToList()));
            }
        }

        return ranges;
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
}
