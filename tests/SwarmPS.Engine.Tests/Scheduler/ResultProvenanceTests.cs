using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The completeness judgement of aggregation over a listing as the site's find/awk print it (the listing
/// itself runs against real directories in tests/pester/Aggregation.Tests.ps1).
/// </summary>
public sealed class ResultProvenanceTests
{
    private const string Key = "0123456789abcdef";

    private static string Listing(params string[] lines) => string.Join('\n', lines) + "\n";

    [Fact]
    public void Every_succeeded_task_with_its_own_marked_directory_is_complete()
    {
        var (missing, foreign) = ResultProvenance.Check(Key, 3, new HashSet<long> { 0, 1, 2 },
            Listing("D 0", "D 1", "D 2", $"M 0 {Key} 0 1", $"M 1 {Key} 1 1", $"M 2 {Key} 2 2"));
        Assert.Empty(missing);
        Assert.Empty(foreign);
    }

    [Fact]
    public void A_succeeded_task_without_a_directory_is_missing_and_one_that_failed_is_not_judged_here()
    {
        var (missing, foreign) = ResultProvenance.Check(Key, 3, new HashSet<long> { 0, 2 }, Listing("D 0", $"M 0 {Key} 0 1", "D 1", $"M 1 {Key} 1 1"));
        Assert.Equal(new long[] { 2 }, missing);
        Assert.Empty(foreign);
    }

    [Theory]
    [InlineData("M 0 fedcba9876543210 0 1", "says 'fedcba9876543210 0 1', not job 0123456789abcdef task 0")]
    [InlineData("M 0 0123456789abcdef 1 1", "says '0123456789abcdef 1 1'")]
    [InlineData("M 0 0123456789abcdef 0", "says '0123456789abcdef 0'")]
    [InlineData("M 0 0123456789abcdef 0 x", "says '0123456789abcdef 0 x'")]
    [InlineData("M 0 ", "says ''")]
    [InlineData("", "no .swarm-task")]
    public void A_directory_marked_by_another_job_or_task_or_not_at_all_is_foreign(string marker, string expected)
    {
        var (missing, foreign) = ResultProvenance.Check(Key, 1, new HashSet<long> { 0 }, Listing("D 0", marker));
        Assert.Empty(missing);
        Assert.Contains(expected, Assert.Single(foreign));
    }

    [Theory]
    [InlineData("scratch")]
    [InlineData("3")]
    [InlineData("01")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("99999999999999999999")]
    public void A_directory_that_is_no_task_of_the_job_is_foreign(string name)
    {
        var (_, foreign) = ResultProvenance.Check(Key, 3, new HashSet<long> { 0, 1, 2 },
            Listing("D 0", "D 1", "D 2", $"M 0 {Key} 0 1", $"M 1 {Key} 1 1", $"M 2 {Key} 2 1", "D " + name));
        Assert.Equal($"results/{name}: not a task of this job (it has tasks 0 to 2)", Assert.Single(foreign));
    }

    [Fact]
    public void Another_jobs_directory_in_place_of_a_failed_task_is_named_too()
    {
        var (missing, foreign) = ResultProvenance.Check(Key, 2, new HashSet<long> { 0 },
            Listing("D 0", $"M 0 {Key} 0 1", "D 1", "M 1 fedcba9876543210 1 1"));
        Assert.Empty(missing);
        Assert.Contains("results/1: .swarm-task says 'fedcba9876543210 1 1'", Assert.Single(foreign));
    }

    [Fact]
    public void An_empty_listing_means_every_succeeded_task_is_missing()
    {
        var (missing, foreign) = ResultProvenance.Check(Key, 2, new HashSet<long> { 0, 1 }, "");
        Assert.Equal(new long[] { 0, 1 }, missing);
        Assert.Empty(foreign);
    }
}
