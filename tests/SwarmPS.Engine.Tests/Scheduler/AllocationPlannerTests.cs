using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// What an allocation request turns into, and what it is refused for: the slice's agents decide the rank
/// count (a conflicting explicit one is an error, never silently replaced), the profile's block supplies
/// defaults, the launcher must exist under the site's scheduler.
/// </summary>
public sealed class AllocationPlannerTests
{
    private static SiteProfile Site(SchedulerKind scheduler = SchedulerKind.Slurm) => new()
    {
        Name = "hpc",
        Scheduler = scheduler,
        RunRoot = "/runs",
        Queue = "batch",
        Account = "proj1",
        Allocation = new SiteProfileAllocation { Nodes = 2, Walltime = TimeSpan.FromHours(1), Queue = "debug" },
    };

    private static readonly AllocationRank[] Agents = new[] { "a", "b", "c" }
        .Select(n => new AllocationRank(n, new[] { "agent", n }, new Dictionary<string, string> { ["SWARM_AGENT_NAME"] = n }))
        .ToArray();

    private static AllocationPlan Plan(AllocationRequest request, SiteProfile? site = null) => AllocationPlanner.Plan(site ?? Site(), request, Agents);

    [Fact]
    public void Ranks_follow_the_agents_in_declaration_order_and_the_profile_block_fills_what_is_not_asked()
    {
        var plan = Plan(new AllocationRequest { Name = "swarm-r1-hpc" });
        Assert.Equal(new[] { "a", "b", "c" }, plan.Ranks.Select(r => r.Agent));
        Assert.Equal(new[] { "0", "1", "2" }, plan.Ranks.Select(r => r.Environment["SWARM_ALLOCATION_RANK"]));
        Assert.Equal((2, TimeSpan.FromHours(1), "debug", "proj1", AllocationLauncher.Srun), (plan.Nodes, plan.Walltime, plan.Queue, plan.Account, plan.Launcher));
        Assert.Equal(2, plan.RanksPerNode);
    }

    [Fact]
    public void The_request_wins_over_the_profile()
    {
        var plan = Plan(new AllocationRequest { Name = "n", Nodes = 3, Walltime = "90m", Queue = "gpu", Ranks = 3, Launcher = "mpiexec" });
        Assert.Equal((3, TimeSpan.FromMinutes(90), "gpu", AllocationLauncher.Mpiexec), (plan.Nodes, plan.Walltime, plan.Queue, plan.Launcher));
    }

    [Fact]
    public void Each_scheduler_has_its_usual_launcher()
    {
        Assert.Equal(AllocationLauncher.Mpiexec, Plan(new AllocationRequest { Name = "n" }, Site(SchedulerKind.Pbs)).Launcher);
        Assert.Equal(AllocationLauncher.Fork, Plan(new AllocationRequest { Name = "n", Nodes = 1 }, Site(SchedulerKind.Sge)).Launcher);
        Assert.Equal(AllocationLauncher.Pbsdsh, Plan(new AllocationRequest { Name = "n" }, Site(SchedulerKind.Pbs) with { Launcher = "pbsdsh" }).Launcher);
    }

    [Fact]
    public void A_proxy_named_in_unset_environment_is_kept_and_the_plan_says_so()
    {
        var site = Site() with { HttpProxy = "http://p:3128", NoProxy = "localhost", UnsetEnvironment = new[] { "https_proxy", "PYTHONPATH" } };
        var plan = Plan(new AllocationRequest { Name = "n" }, site);
        Assert.Equal(new[] { "PYTHONPATH" }, plan.Unset);
        Assert.All(plan.Ranks, r => Assert.Equal("http://p:3128", r.Environment["https_proxy"]));
        Assert.All(plan.Ranks, r => Assert.Equal("localhost", r.Environment["NO_PROXY"]));
        var notice = Assert.Single(plan.Notices);
        Assert.Contains("https_proxy", notice, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_proxy_an_unset_proxy_variable_is_unset()
    {
        var plan = Plan(new AllocationRequest { Name = "n" }, Site() with { UnsetEnvironment = new[] { "http_proxy" } });
        Assert.Equal(new[] { "http_proxy" }, plan.Unset);
        Assert.Empty(plan.Notices);
    }

    [Theory]
    [InlineData(SchedulerKind.Slurm, 2, null, null, null, "AllocationRankCountConflict")]
    [InlineData(SchedulerKind.Slurm, 4, null, null, null, "AllocationRankCountConflict")]
    [InlineData(SchedulerKind.Slurm, null, 4, null, null, "AllocationNodesInvalid")]
    [InlineData(SchedulerKind.Slurm, null, 0, null, null, "AllocationNodesInvalid")]
    [InlineData(SchedulerKind.Sge, null, 2, null, null, "AllocationNodesInvalid")]
    [InlineData(SchedulerKind.Slurm, null, null, "soon", null, "AllocationWalltimeInvalid")]
    [InlineData(SchedulerKind.Slurm, null, null, null, "aprun", "AllocationLauncherUnknown")]
    [InlineData(SchedulerKind.Slurm, null, null, null, "pbsdsh", "AllocationLauncherUnsupported")]
    [InlineData(SchedulerKind.Pbs, null, null, null, "srun", "AllocationLauncherUnsupported")]
    [InlineData(SchedulerKind.Local, null, null, null, null, "AllocationNeedsScheduler")]
    public void Refuses_what_cannot_run_as_asked(SchedulerKind scheduler, int? ranks, int? nodes, string? walltime, string? launcher, string errorId)
    {
        var request = new AllocationRequest { Name = "n", Ranks = ranks, Nodes = nodes, Walltime = walltime, Launcher = launcher };
        var error = Assert.Throws<SwarmException>(() => Plan(request, Site(scheduler) with { Allocation = null }));
        Assert.Equal(errorId, error.ErrorId);
        Assert.False(string.IsNullOrWhiteSpace(error.Remediation));
        Assert.Equal("hpc", error.Target);
    }

    [Theory]
    [InlineData("3h", null)]
    [InlineData(null, "03:00:00")]
    public void A_walltime_over_the_sites_limit_is_refused_whether_asked_or_from_the_profile(string? asked, string? fromProfile)
    {
        var site = Site() with
        {
            Limits = new SiteLimits { MaxWalltime = TimeSpan.FromHours(2) },
            Allocation = new SiteProfileAllocation { Walltime = fromProfile is null ? null : TimeSpan.Parse(fromProfile, System.Globalization.CultureInfo.InvariantCulture) },
        };
        var error = Assert.Throws<SwarmException>(() => Plan(new AllocationRequest { Name = "n", Walltime = asked }, site));
        Assert.Equal("AllocationWalltimeOverLimit", error.ErrorId);
        Assert.Contains("02:00:00", error.Remediation, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(2), Plan(new AllocationRequest { Name = "n", Walltime = "2h" }, site).Walltime);
    }

    [Fact]
    public void A_slice_without_agents_is_refused()
    {
        var error = Assert.Throws<SwarmException>(() => AllocationPlanner.Plan(Site(), new AllocationRequest { Name = "n" }, Array.Empty<AllocationRank>()));
        Assert.Equal("AllocationEmpty", error.ErrorId);
    }
}
