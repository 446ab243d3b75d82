using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>A campaign's slice becomes ranks in declaration order, each with the agent process contract's variables.</summary>
public sealed class AllocationSliceTests
{
    private static CampaignAgent Agent(string name, string site) => new()
    {
        Name = name,
        Site = site,
        Command = new[] { "python3", name + ".py" },
        Environment = new Dictionary<string, string> { ["MODEL"] = name + "-model" },
        AllowedPeers = new[] { "b" },
    };

    private static readonly Campaign Campaign = new()
    {
        Name = "demo",
        InitialAgent = "a",
        UserTask = "count",
        Agents = new[] { Agent("c", "hpc"), Agent("a", "hpc"), Agent("b", "laptop"), Agent("d", "hpc") },
    };

    private static readonly SiteProfile Site = new()
    {
        Name = "hpc",
        Scheduler = SchedulerKind.Slurm,
        RunRoot = "/runs",
        UnsetEnvironment = new[] { "PYTHONPATH", "https_proxy" },
        HttpProxy = "http://proxy:3128",
    };

    [Fact]
    public void The_sites_agents_in_declaration_order_carry_the_contract_and_the_plan_keeps_the_proxy()
    {
        var ranks = AllocationSlice.Ranks(Campaign, Site, "r1", [new Uri("http://exchange:8080")], "tok", new SiteRunLayout("/runs", "r1", "hpc"), "/work");

        Assert.Equal(new[] { "c", "a", "d" }, ranks.Select(r => r.Agent));
        var a = ranks[1];
        Assert.Equal(new[] { "python3", "a.py" }, a.Argv);
        Assert.Equal("/work", a.WorkingDirectory);
        Assert.Equal(("/runs/r1/hpc/agents/a/stdout.log", "/runs/r1/hpc/agents/a/stderr.log"), (a.StandardOutput, a.StandardError));
        Assert.Equal(("a", "hpc", "r1", "http://exchange:8080/", "tok", "a-model"), (a.Environment["SWARM_AGENT"], a.Environment["SWARM_SITE"], a.Environment["SWARM_RUN_ID"], a.Environment["SWARM_EXCHANGE_URL"], a.Environment["SWARM_EXCHANGE_TOKEN"], a.Environment["MODEL"]));
        Assert.StartsWith("b=", a.Environment["SWARM_PEERS"], StringComparison.Ordinal);
        Assert.False(a.Environment.ContainsKey("PYTHONPATH"), "an unset variable is the wrapper's unset, not an empty export");

        var plan = AllocationPlanner.Plan(Site, new AllocationRequest { Name = "swarm-r1-hpc" }, ranks);
        Assert.Equal(new[] { "PYTHONPATH" }, plan.Unset);
        Assert.Equal("http://proxy:3128", plan.Ranks[2].Environment["https_proxy"]);
        Assert.Equal("2", plan.Ranks[2].Environment["SWARM_ALLOCATION_RANK"]);
        Assert.Contains("https_proxy", Assert.Single(plan.Notices), StringComparison.Ordinal);
    }

    [Fact]
    public void A_site_without_agents_is_NoAgentsForSite()
    {
        var error = Assert.Throws<SwarmException>(() => AllocationSlice.Ranks(Campaign, Site with { Name = "elsewhere" }, "r1", [new Uri("http://x")], "t", new SiteRunLayout("/d", "r1", "elsewhere"), null));
        Assert.Equal("NoAgentsForSite", error.ErrorId);
    }
}
