using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// What an operator typed (campaign, run id, maybe a site, agents, exchange URL), turned into complete
/// <see cref="SiteLaunchOptions"/>: the site inferred when the slice lives on one, the agents sliced,
/// the exchange found as every command of a run finds it (<see cref="CampaignExchange"/>).
/// Start-SwarmSite and the detached site host resolve the same way.
/// </summary>
public sealed record SiteLaunchRequest
{
    public required Campaign Campaign { get; init; }

    public required string RunId { get; init; }

    public string? Site { get; init; }

    public IReadOnlyList<string>? Agents { get; init; }

    public string? ExchangeUrl { get; init; }

    public TimeSpan? StartupTimeout { get; init; }

    public bool Bootstrap { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>Run the agents as the ranks of one batch job; <see cref="Nodes"/>, <see cref="Walltime"/> and <see cref="Queue"/> shape it.</summary>
    public bool Allocation { get; init; }

    public int? Nodes { get; init; }

    /// <summary>As typed (3600, 90m, 01:30:00); AllocationPlanner parses it.</summary>
    public string? Walltime { get; init; }

    public string? Queue { get; init; }

    public SiteLaunchOptions Resolve(SiteCatalog catalog)
    {
        CampaignRunId.Validate(RunId);
        var campaign = Agents is { Count: > 0 } ? CampaignSlice.Select(Campaign, Agents) : Campaign;
        var siteName = Site ?? InferSite(campaign);
        var site = catalog.Get(siteName);
        // Checked here, not only in the launcher: -WhatIf must name the agents, and a detached launch must
        // fail with NoAgentsForSite in the operator's session rather than as SiteStartFailed from its child.
        SiteLauncher.LocalAgents(campaign, site.Name);
        return new SiteLaunchOptions
        {
            Campaign = campaign,
            RunId = RunId,
            Site = site,
            Exchange = CampaignExchange.Connection(campaign, ExchangeUrl),
            WorkingDirectory = WorkingDirectory,
            StartupTimeout = StartupTimeout,
            Bootstrap = Bootstrap,
            Allocation = AllocationFor(site, campaign),
        };
    }

    /// <summary>The allocation asked for, checked before anything starts; settings without -Allocation are refused, not ignored.</summary>
    private AllocationRequest? AllocationFor(SiteProfile site, Campaign campaign)
    {
        if (!Allocation)
        {
            if (Nodes is null && Walltime is null && Queue is null)
            {
                return null;
            }

            throw new SwarmException(
                "AllocationOptionsWithoutAllocation",
                "-Nodes, -Walltime and -Queue shape a batch allocation, but the launch did not ask for one, so they would be ignored.",
                "Add -Allocation to run the site's agents inside one batch job, or drop -Nodes, -Walltime and -Queue.",
                SwarmErrorCategory.InvalidArgument,
                site.Name);
        }

        var request = new AllocationRequest { Name = $"swarm-{RunId}-{site.Name}", Nodes = Nodes, Walltime = Walltime, Queue = Queue };
        // The plan is made again by the launcher with the real environment; planning here refuses a bad request in the operator's session.
        AllocationPlanner.Plan(site, request, SiteLauncher.LocalAgents(campaign, site.Name)
            .Select(agent => new AllocationRank(agent.Name, agent.Command, new Dictionary<string, string>())).ToList());
        return request;
    }

    private static string InferSite(Campaign campaign)
    {
        var sites = campaign.Sites;
        if (sites.Count == 1)
        {
            return sites[0];
        }

        throw new SwarmException(
            "SiteAmbiguous",
            $"The agents given run on {sites.Count} sites ({string.Join(", ", sites)}); a launch starts one site.",
            $"Pass -Site (one of {string.Join(", ", sites)}), or select one site's agents first: Select-SwarmAgent -Name <agents>.",
            SwarmErrorCategory.InvalidArgument,
            campaign.Name);
    }
}
