using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

public sealed class WavePlannerTests
{
    private static readonly string[] Command = { "python", "train.py" };

    private static SiteProfile Site(SchedulerKind kind = SchedulerKind.Slurm, SiteLimits? limits = null) =>
        new() { Name = "hpc", Scheduler = kind, RunRoot = "/scratch/runs", Limits = limits ?? new SiteLimits() };

    private static TaskSet Tasks(int n) => TaskSet.Product(new[] { TaskAxis.Seeds(n) });

    [Fact]
    public void Splits_into_arrays_no_larger_than_the_limit_and_never_fails_for_size()
    {
        var plan = WavePlanner.Plan(Site(), Command, Tasks(2500), new JobPlanOptions { MaxArraySize = 1000 });

        Assert.Equal(new[] { 1000, 1000, 500 }, plan.Arrays.Select(a => a.Count));
        Assert.Equal(new long[] { 0, 1000, 2000 }, plan.Arrays.Select(a => a.Offset));
        Assert.Equal("-MaxArraySize", plan.MaxArraySizeSource);
    }

    [Fact]
    public void Groups_arrays_into_waves_no_larger_than_the_concurrent_jobs_limit()
    {
        var plan = WavePlanner.Plan(Site(limits: new SiteLimits { MaxArraySize = 10, MaxConcurrentJobs = 2 }), Command, Tasks(45));

        Assert.Equal(3, plan.WaveCount);
        Assert.Equal(new[] { 2, 2, 1 }, plan.Waves.Select(w => w.Arrays.Count));
        Assert.Equal(new[] { 0, 0, 1, 1, 2 }, plan.Arrays.Select(a => a.Wave));
        Assert.Equal("profile", plan.MaxArraySizeSource);
        Assert.Equal(45, plan.Waves.Sum(w => w.TaskCount));
    }

    [Fact]
    public void Array_limit_precedence_is_option_then_profile_then_scheduler_then_default()
    {
        Assert.Equal(("scheduler", 300), Source(WavePlanner.Plan(Site(), Command, Tasks(5), schedulerMaxArraySize: 300)));
        Assert.Equal(("default", 1000), Source(WavePlanner.Plan(Site(), Command, Tasks(5))));
        Assert.Equal(("profile", 7), Source(WavePlanner.Plan(Site(limits: new SiteLimits { MaxArraySize = 7 }), Command, Tasks(5), schedulerMaxArraySize: 300)));

        static (string, int) Source(JobPlan plan) => (plan.MaxArraySizeSource, plan.MaxArraySize);
    }

    [Fact]
    public async Task PlanAsync_asks_the_scheduler_only_when_neither_the_options_nor_the_profile_give_a_limit()
    {
        var shell = new CountingShell(LocalShell.Instance);

        var asked = await WavePlanner.PlanAsync(Site(), Command, Tasks(5), new JobPlanOptions { MaxArraySize = 2 }, shell: shell);
        var profiled = await WavePlanner.PlanAsync(Site(limits: new SiteLimits { MaxArraySize = 3 }), Command, Tasks(5), new JobPlanOptions(), shell: shell);
        var local = await WavePlanner.PlanAsync(Site(SchedulerKind.Local), Command, Tasks(5), new JobPlanOptions(), shell: shell);
        Assert.Equal([("-MaxArraySize", 2), ("profile", 3), ("default", int.MaxValue)], new[] { asked, profiled, local }.Select(p => (p.MaxArraySizeSource, p.MaxArraySize)));
        Assert.Empty(shell.Commands); // the local pool has no limit to ask

        // Neither says: one read-only query. Slurm answers 1000 when it runs here, and the stock default is 1000 when it does not.
        var slurm = await WavePlanner.PlanAsync(Site(), Command, Tasks(5), new JobPlanOptions(), shell: shell);
        Assert.Equal(["scontrol show config"], shell.Commands.Select(c => string.Join(" ", new[] { c.Program }.Concat(c.Arguments))));
        Assert.Equal(1000, slurm.MaxArraySize);
    }

    [Fact]
    public void Walltime_over_the_site_maximum_names_both()
    {
        var site = Site(limits: new SiteLimits { MaxWalltime = TimeSpan.FromHours(24) });

        var error = Assert.Throws<SwarmException>(() =>
            WavePlanner.Plan(site, Command, Tasks(3), new JobPlanOptions { Walltime = TimeSpan.FromHours(30) }));

        Assert.Equal("WalltimeExceedsSiteLimit", error.ErrorId);
        Assert.Contains("30:00:00", error.Message);
        Assert.Contains("24:00:00", error.Message);
    }

    [Fact]
    public void Estimates_wall_clock_from_throttle_and_waves()
    {
        // 2 waves of one 100-task array each; 10 at a time: 10 rounds per wave.
        var plan = WavePlanner.Plan(
            Site(),
            Command,
            Tasks(200),
            new JobPlanOptions { MaxArraySize = 100, MaxConcurrentJobs = 1, Throttle = 10, TaskDuration = TimeSpan.FromMinutes(5) });

        Assert.Equal(TimeSpan.FromMinutes(5 * 20), plan.EstimatedWallClock);
    }

    [Fact]
    public void A_million_tasks_plan_as_ranges()
    {
        var plan = WavePlanner.Plan(Site(), Command, TaskSet.Product(new[] { TaskAxis.Seeds(1000), TaskAxis.Linspace("x", 0, 1, 1000) }));

        Assert.Equal(1000, plan.ArrayCount);
        Assert.Equal(999_000, plan.Arrays.Last().Offset);
    }

    [Fact]
    public void The_key_depends_on_command_and_tasks()
    {
        var a = WavePlanner.Plan(Site(), Command, Tasks(3)).Key;

        Assert.Equal(a, WavePlanner.Plan(Site(), Command, Tasks(3), new JobPlanOptions { Throttle = 2 }).Key);
        Assert.NotEqual(a, WavePlanner.Plan(Site(), Command, Tasks(4)).Key);
        Assert.NotEqual(a, WavePlanner.Plan(Site(), new[] { "python", "train.py", "--x" }, Tasks(3)).Key);
    }

    [Theory]
    [InlineData(0, null, "PlanLimitInvalid")]
    [InlineData(null, 0, "PlanLimitInvalid")]
    public void Bad_limits_are_refused(int? maxArray, int? throttle, string errorId)
    {
        var error = Assert.Throws<SwarmException>(() =>
            WavePlanner.Plan(Site(), Command, Tasks(3), new JobPlanOptions { MaxArraySize = maxArray, Throttle = throttle }));

        Assert.Equal(errorId, error.ErrorId);
    }

    [Fact]
    public void An_empty_command_is_refused()
    {
        Assert.Equal("CommandEmpty", Assert.Throws<SwarmException>(() => WavePlanner.Plan(Site(), Array.Empty<string>(), Tasks(3))).ErrorId);
    }
}
