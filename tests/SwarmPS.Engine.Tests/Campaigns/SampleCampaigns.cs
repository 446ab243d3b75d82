using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>Campaigns built in code, so each test changes exactly one thing.</summary>
public static class SampleCampaigns
{
    public static readonly string[] KnownSites = { "local", "alpha", "beta", "polaris" };

    public static CampaignAgent Agent(string name, string site = "alpha", params string[] peers) => new()
    {
        Name = name,
        Site = site,
        Command = new[] { "python3", "agent.py", name },
        AllowedPeers = peers,
    };

    /// <summary>planner on alpha talks to coder and critic on beta, who answer back: valid, no warnings.</summary>
    public static Campaign ThreeAgents() => new()
    {
        Name = "three",
        InitialAgent = "planner",
        UserTask = "Plan, write and review.",
        Agents = new[]
        {
            Agent("planner", "alpha", "coder", "critic"),
            Agent("coder", "beta", "planner", "critic"),
            Agent("critic", "beta", "planner"),
        },
    };

    public static Campaign WithAgents(this Campaign campaign, params CampaignAgent[] agents) => campaign with { Agents = agents };

    public static IReadOnlyList<string> Codes(this IEnumerable<CampaignFinding> findings) =>
        findings.Select(finding => finding.Code).ToList();
}
