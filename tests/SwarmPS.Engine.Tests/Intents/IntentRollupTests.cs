using SwarmPS.Engine.Intents;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Intents;

public sealed class IntentRollupTests
{
    private static CampaignIntent Intent(string name, TaskSet tasks, string? kind, string generator = "New-SwarmTaskSet") => new()
    {
        Name = name,
        Goal = "g",
        TaskKind = kind,
        TaskCount = tasks.Count,
        TaskSetFingerprint = tasks.Fingerprint,
        Generator = IntentGenerator.From(tasks, generator),
        Provenance = new IntentProvenance("u", "h", DateTimeOffset.UnixEpoch, "0", null, null),
    };

    [Fact]
    public void Nearest_rank_quantiles_are_observed_values()
    {
        var summary = ObservedSummary.Of([100, 10, 20, 30, 40, 50, 60, 70, 80, 90])!;
        Assert.Equal((10, 10.0, 50.0, 90.0, 100.0), (summary.Count, summary.Min, summary.P50, summary.P90, summary.Max));

        var three = ObservedSummary.Of([4, 30, 12])!;
        Assert.Equal((12.0, 30.0), (three.P50, three.P90));   // ranks ceil(1.5) = 2 and ceil(2.7) = 3
        Assert.Equal(7.0, ObservedSummary.Of([7])!.P90);
        Assert.Null(ObservedSummary.Of([]));
    }

    [Fact]
    public void Decade_histograms_hold_only_filled_bins()
    {
        var bins = HistogramBin.Decades([0, 0.5, 1, 9.99, 10, 100, 999, 1000]);
        Assert.Equal(
            [("0", 1), ("[0.1, 1)", 1), ("[1, 10)", 2), ("[10, 100)", 1), ("[100, 1000)", 2), ("[1000, 10000)", 1)],
            bins.Select(b => (b.Range, b.Count)));
        Assert.Equal(1000, HistogramBin.DecadeOf(1000));
        Assert.Equal(100, HistogramBin.DecadeOf(999.999));
    }

    [Fact]
    public void Three_campaigns_roll_up_to_the_known_numbers()
    {
        var a = Intent("a", TaskSet.Product([TaskAxis.Of("lr", [0.1, 0.01]), TaskAxis.Seeds(2)]), "train");          // 4 tasks
        var b = Intent("b", TaskSet.Product([TaskAxis.Of("lr", [0.001, 0.5, 0.2]), TaskAxis.Seeds(4, 10)]), "train"); // 12 tasks
        var c = Intent("c", TaskSet.Product([TaskAxis.Of("model", ["small", "large"]), TaskAxis.Seeds(15)]), "eval", "evals.ps1"); // 30 tasks
        var rollup = IntentRollup.Of([a, b, c], [[10.0, 20.0, 30.0], [], [5.0, 40.0, 60.0, 100.0]]);

        Assert.Equal(3, rollup.Campaigns);
        Assert.Equal(new Dictionary<string, int> { ["eval"] = 1, ["train"] = 2 }, rollup.TaskKinds);
        Assert.Equal(46, rollup.TotalTasks);
        Assert.Equal(new ObservedSummary(3, 4, 12, 30, 30), rollup.TaskCounts);
        Assert.Equal([("[1, 10)", 1), ("[10, 100)", 2)], rollup.TaskCountHistogram.Select(h => (h.Range, h.Count)));

        // The campaign without finished runs counts above but adds nothing here.
        Assert.Equal((7, 2), (rollup.Runs, rollup.CampaignsWithRuns));
        Assert.Equal(new ObservedSummary(7, 5, 30, 100, 100), rollup.WallSeconds);
        Assert.Equal([("[1, 10)", 1), ("[10, 100)", 5), ("[100, 1000)", 1)], rollup.WallSecondsHistogram.Select(h => (h.Range, h.Count)));

        Assert.Equal(
            [
                ("New-SwarmTaskSet", "lr", 2, true, (double?)0.001, (double?)0.5, 5, ""),
                ("New-SwarmTaskSet", "seed", 2, true, 0, 13, 6, ""),
                ("evals.ps1", "model", 1, false, null, null, 2, "large,small"),
                ("evals.ps1", "seed", 1, true, 0, 14, 15, ""),
            ],
            rollup.Parameters.Select(p => (p.Generator, p.Parameter, p.Campaigns, p.Numeric, p.Min, p.Max, p.DistinctValues, string.Join(",", p.Values))));
    }

    [Fact]
    public void No_campaigns_is_an_empty_rollup_not_made_up_numbers()
    {
        var rollup = IntentRollup.Of([], Array.Empty<IReadOnlyList<double>>());
        Assert.Equal((0, 0, 0L), (rollup.Campaigns, rollup.Runs, rollup.TotalTasks));
        Assert.Null(rollup.TaskCounts);
        Assert.Null(rollup.WallSeconds);
        Assert.Empty(rollup.Parameters);
    }

    [Theory]
    [InlineData("train.py", "./train.py", true)]
    [InlineData("train.py", "<path>/train.py", true)]
    [InlineData("/home/u/x/train.py", "./train.py", true)]
    [InlineData("train.py", "eval.py", false)]
    [InlineData("--token=s3cret", "--token=<redacted>", true)]
    public void Ledger_text_compares_by_last_segment_and_redaction(string intent, string ledger, bool same)
    {
        Assert.Equal(same, LedgerComparable.Same(intent, ledger));
    }

    [Fact]
    public void A_generator_knows_its_tasks_and_no_others()
    {
        var generator = IntentGenerator.From(IntentFileTests.Sweep(), "g");
        Assert.True(generator.Contains(new Dictionary<string, string> { ["data"] = "b.csv", ["model"] = "large", ["lr"] = "0.01", ["seed"] = "2" }));
        Assert.True(generator.Contains(new Dictionary<string, string> { ["data"] = "<path>/b.csv", ["model"] = "large", ["lr"] = "0.01", ["seed"] = "2" }));
        // b.csv goes with large, not small: rows are kept whole.
        Assert.False(generator.Contains(new Dictionary<string, string> { ["data"] = "b.csv", ["model"] = "small", ["lr"] = "0.01", ["seed"] = "2" }));
        Assert.False(generator.Contains(new Dictionary<string, string> { ["data"] = "b.csv", ["model"] = "large", ["lr"] = "0.01", ["seed"] = "3" }));
        Assert.False(generator.Contains(new Dictionary<string, string> { ["data"] = "b.csv", ["model"] = "large", ["lr"] = "0.01" }));
        Assert.Equal(IntentFileTests.Sweep().Fingerprint, generator.ToTaskSet().Fingerprint);
    }
}
