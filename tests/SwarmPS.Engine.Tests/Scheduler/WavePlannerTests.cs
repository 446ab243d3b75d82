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
    public void Waves_hold_at_most_the_concurrent_jobs_limit_of_array_elements()
    {
        // 45 tasks, arrays of 10, 25 elements at once: each wave is 10 + 10 + 5, the cut array resumes in the next wave.
        var plan = WavePlanner.Plan(Site(limits: new SiteLimits { MaxArraySize = 10, MaxConcurrentJobs = 25 }), Command, Tasks(45));

        Assert.Equal(2, plan.WaveCount);
        Assert.Equal(new long[] { 25, 20 }, plan.Waves.Select(w => w.TaskCount));
        Assert.Equal(new[] { 10, 10, 5, 10, 10 }, plan.Arrays.Select(a => a.Count));
        Assert.Equal(new long[] { 0, 10, 20, 25, 35 }, plan.Arrays.Select(a => a.Offset));
        Assert.Equal(new[] { 0, 0, 0, 1, 1 }, plan.Arrays.Select(a => a.Wave));
        Assert.Equal("profile", plan.MaxArraySizeSource);
        Assert.All(plan.Waves, w => Assert.True(w.TaskCount <= 25));
    }

    [Fact]
    public void An_array_limit_above_the_concurrent_limit_is_capped_by_it()
    {
        var plan = WavePlanner.Plan(Site(), Command, Tasks(2500), new JobPlanOptions { MaxArraySize = 1000, MaxConcurrentJobs = 300 });

        Assert.Equal(9, plan.WaveCount);
        Assert.All(plan.Waves, w => Assert.Single(w.Arrays));
        Assert.Equal(Enumerable.Repeat(300, 8).Append(100), plan.Arrays.Select(a => a.Count));
        Assert.Equal(2500, plan.Waves.Sum(w => w.TaskCount));
    }

    [Fact]
    public void Without_a_concurrent_limit_one_wave_holds_every_array()
    {
        var plan = WavePlanner.Plan(Site(), Command, Tasks(2500), new JobPlanOptions { MaxArraySize = 1000 });

        Assert.Equal(1, plan.WaveCount);
        Assert.Equal(new[] { 1000, 1000, 500 }, plan.Arrays.Select(a => a.Count));
    }

    [Fact]
    public void Memory_and_gpus_travel_on_the_plan()
    {
        var plan = WavePlanner.Plan(Site(), Command, Tasks(3), new JobPlanOptions { Memory = 4L << 30, Gpus = 2 });

        Assert.Equal(4L << 30, plan.Memory);
        Assert.Equal(2, plan.Gpus);
        Assert.Equal(4096, WavePlanner.MemoryMebibytes(plan.Memory!.Value));
        Assert.Equal(2, WavePlanner.MemoryMebibytes((1L << 20) + 1)); // rounded up, never less than asked
    }

    [Theory]
    [InlineData(0L, null, "PlanMemoryInvalid")]
    [InlineData(1048575L, null, "PlanMemoryInvalid")]
    [InlineData(-5L, null, "PlanMemoryInvalid")]
    [InlineData(null, 0, "PlanGpusInvalid")]
    [InlineData(null, -1, "PlanGpusInvalid")]
    public void Bad_memory_or_gpus_are_refused(long? memory, int? gpus, string errorId)
    {
        var error = Assert.Throws<SwarmException>(() => WavePlanner.Plan(Site(), Command, Tasks(3), new JobPlanOptions { Memory = memory, Gpus = gpus }));

        Assert.Equal(errorId, error.ErrorId);
        Assert.False(string.IsNullOrEmpty(error.Remediation));
    }

    [Fact]
    public void Gpus_on_grid_engine_need_the_profiles_gpu_complex_and_the_local_pool_refuses_them()
    {
        var sge = Assert.Throws<SwarmException>(() => WavePlanner.Plan(Site(SchedulerKind.Sge), Command, Tasks(3), new JobPlanOptions { Gpus = 1 }));
        Assert.Equal("GpuComplexNotConfigured", sge.ErrorId);
        Assert.Contains("scheduler_resources.gpu_complex", sge.Remediation);

        var local = Assert.Throws<SwarmException>(() => WavePlanner.Plan(Site(SchedulerKind.Local), Command, Tasks(3), new JobPlanOptions { Gpus = 1 }));
        Assert.Equal("PlanGpusUnsupported", local.ErrorId);

        var configured = Site(SchedulerKind.Sge) with { SchedulerResources = new SiteSchedulerResources { GpuComplex = "gpu" } };
        Assert.Equal(1, WavePlanner.Plan(configured, Command, Tasks(3), new JobPlanOptions { Gpus = 1 }).Gpus);
        // The local pool takes memory as a note for the plan and enforces nothing.
        Assert.Equal(1L << 30, WavePlanner.Plan(Site(SchedulerKind.Local), Command, Tasks(3), new JobPlanOptions { Memory = 1L << 30 }).Memory);
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
            new JobPlanOptions { MaxArraySize = 100, MaxConcurrentJobs = 100, Throttle = 10, TaskDuration = TimeSpan.FromMinutes(5) });

        Assert.Equal(TimeSpan.FromMinutes(5 * 20), plan.EstimatedWallClock);
        Assert.Equal("-TaskDuration", plan.EstimateSource);
    }

    [Fact]
    public void Without_a_duration_there_is_no_estimate_and_no_source()
    {
        var plan = WavePlanner.Plan(Site(), Command, Tasks(20));

        Assert.Null(plan.EstimatedWallClock);
        Assert.Null(plan.EstimateSource);
    }

    [Fact]
    public void A_duration_from_history_estimates_and_says_so_and_the_option_wins_over_it()
    {
        var history = new TaskDurationHistory.Median(TimeSpan.FromMinutes(2), 7);

        var fromHistory = WavePlanner.Plan(Site(), Command, Tasks(20), new JobPlanOptions { Throttle = 10 }, history: history);
        Assert.Equal(TimeSpan.FromMinutes(4), fromHistory.EstimatedWallClock);
        Assert.Equal("ledger (7 runs)", fromHistory.EstimateSource);

        var given = WavePlanner.Plan(Site(), Command, Tasks(20), new JobPlanOptions { Throttle = 10, TaskDuration = TimeSpan.FromMinutes(1) }, history: history);
        Assert.Equal(TimeSpan.FromMinutes(2), given.EstimatedWallClock);
        Assert.Equal("-TaskDuration", given.EstimateSource);
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
