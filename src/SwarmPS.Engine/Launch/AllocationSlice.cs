using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// A site's slice as the ranks of one allocation: the campaign's agents for the site in declaration order
/// (rank i is the i-th), each with the environment a local launch gives it (AgentEnvironment: site
/// variables, proxy, the agent's own, the SWARM_* contract). Only what is set is carried; the profile's
/// unset_environment is applied by the rank wrapper itself (AllocationPlan.Unset). Each rank appends to
/// its agent's usual stdout.log and stderr.log, so Get-SwarmAgent and the docs' log paths hold for both.
/// </summary>
public static class AllocationSlice
{
    public static IReadOnlyList<AllocationRank> Ranks(
        Campaign campaign, SiteProfile site, string runId, IReadOnlyList<Uri> exchangeUrls, string exchangeToken, SiteRunLayout layout, string? workingDirectory)
    {
        var agents = SiteLauncher.LocalAgents(campaign, site.Name);
        return agents.Select(agent => new AllocationRank(
            agent.Name,
            agent.Command,
            AgentEnvironment.For(agent, runId, site, exchangeUrls, exchangeToken, layout.SiteDirectory, campaign.AgentNames)
                .Where(variable => variable.Value is not null)
                .ToDictionary(variable => variable.Key, variable => variable.Value!, StringComparer.Ordinal),
            workingDirectory)
        {
            StandardOutput = layout.StdoutLog(agent.Name),
            StandardError = layout.StderrLog(agent.Name),
        }).ToList();
    }
}
