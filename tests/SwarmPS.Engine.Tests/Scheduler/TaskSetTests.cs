using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

public sealed class TaskSetTests
{
    [Fact]
    public void Product_enumerates_every_combination_last_axis_fastest()
    {
        var set = TaskSet.Product(new[] { TaskAxis.Of("lr", new object[] { 0.1, 0.01 }), TaskAxis.Of("depth", new object[] { 2, 4, 8 }) });

        Assert.Equal(6, set.Count);
        Assert.Equal(new[] { "lr", "depth" }, set.ParameterNames);
        Assert.Equal("0.1", set.GetValue(0, 0));
        Assert.Equal("2", set.GetValue(0, 1));
        Assert.Equal("4", set.GetValue(1, 1));
        Assert.Equal("0.01", set.GetValue(3, 0));
        Assert.Equal("8", set.GetValue(5, 1));
    }

    [Fact]
    public void Items_by_seeds_repeats_each_item_once_per_seed()
    {
        var items = new[]
        {
            new Dictionary<string, object?> { ["model"] = "a" },
            new Dictionary<string, object?> { ["model"] = "b" },
        };
        var set = TaskSet.ItemsBySeeds(items, TaskAxis.Seeds(3, first: 10));

        Assert.Equal(6, set.Count);
        Assert.Equal(new Dictionary<string, string> { ["model"] = "b", ["seed"] = "11" }, set.GetTask(4));
    }

    [Fact]
    public void Linspace_and_logspace_hit_both_ends_exactly()
    {
        Assert.Equal(new[] { "0", "0.25", "0.5", "0.75", "1" }, TaskAxis.Linspace("x", 0, 1, 5).Values);
        Assert.Equal(new[] { "0.001", "0.01", "0.1", "1" }, TaskAxis.Logspace("lr", -3, 0, 4).Values);
        Assert.Equal(new[] { "3" }, TaskAxis.Linspace("x", 3, 9, 1).Values);
    }

    [Fact]
    public void A_product_over_ten_million_is_refused_with_a_hint()
    {
        var axes = new[] { TaskAxis.Linspace("a", 0, 1, 10_000), TaskAxis.Linspace("b", 0, 1, 10_000) };

        var error = Assert.Throws<SwarmException>(() => TaskSet.Product(axes));

        Assert.Equal("TaskSetTooLarge", error.ErrorId);
        Assert.Contains("100,000,000", error.Message);
        Assert.Contains("split", error.Remediation);
    }

    [Fact]
    public void Ten_million_exactly_is_accepted_without_expanding()
    {
        var set = TaskSet.Product(new[] { TaskAxis.Linspace("a", 0, 1, 10_000), TaskAxis.Linspace("b", 0, 1, 1_000) });

        Assert.Equal(10_000_000, set.Count);
        Assert.Equal("1", set.GetValue(9_999_999, 0));
    }

    public static TheoryData<Func<object>, string> BadInputs => new()
    {
        { () => TaskSet.Product(Array.Empty<TaskAxis>()), "TaskSetEmpty" },
        { () => TaskSet.FromList(Array.Empty<IReadOnlyDictionary<string, object?>>()), "TaskSetEmpty" },
        { () => TaskAxis.Of("x", Array.Empty<object>()), "TaskAxisEmpty" },
        { () => TaskSet.Product(new[] { TaskAxis.Of("lr", new object[] { 1 }), TaskAxis.Of("LR", new object[] { 2 }) }), "TaskParameterDuplicate" },
        { () => TaskAxis.Linspace("x", 0, double.NaN, 3), "TaskRangeInvalid" },
        { () => TaskAxis.Linspace("x", double.NegativeInfinity, 1, 3), "TaskRangeInvalid" },
        { () => TaskAxis.Logspace("x", 0, 400, 3), "TaskRangeInvalid" },
        { () => TaskAxis.Logspace("x", 0, 1, 3, @base: 1), "TaskRangeInvalid" },
        { () => TaskAxis.Linspace("x", 0, 1, 0), "TaskRangeEmpty" },
        { () => TaskAxis.Seeds(0), "TaskRangeEmpty" },
        { () => TaskAxis.Of("x", new object[] { double.PositiveInfinity }), "TaskRangeInvalid" },
        { () => TaskAxis.Of("2bad", new object[] { 1 }), "TaskParameterNameInvalid" },
        { () => TaskAxis.Of("has-dash", new object[] { 1 }), "TaskParameterNameInvalid" },
        { () => TaskAxis.Of("x", new object[] { "a\0b" }), "TaskValueInvalid" },
        {
            () => TaskSet.FromList(new[]
            {
                new Dictionary<string, object?> { ["a"] = 1 },
                new Dictionary<string, object?> { ["b"] = 1 },
            }), "TaskListInconsistent"
        },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_names_the_problem_and_the_fix(Func<object> build, string errorId)
    {
        var error = Assert.Throws<SwarmException>(build);

        Assert.Equal(errorId, error.ErrorId);
        Assert.False(string.IsNullOrWhiteSpace(error.Remediation));
    }

    [Fact]
    public void The_same_sweep_has_the_same_fingerprint_and_a_different_one_does_not()
    {
        TaskSet Make(double top) => TaskSet.Product(new[] { TaskAxis.Linspace("x", 0, top, 3) });

        Assert.Equal(Make(1).Fingerprint, Make(1).Fingerprint);
        Assert.NotEqual(Make(1).Fingerprint, Make(2).Fingerprint);
    }
}
