using SwarmPS.Engine.Campaigns;
using static SwarmPS.Engine.Tests.Campaigns.SampleCampaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>
/// A federated campaign file holds one site's agents; their peers and the initial agent may run from
/// another site's file. What cannot be judged locally is accepted; everything else is still refused.
/// </summary>
public sealed class FederatedValidationTests
{
    // beta's own file: coder and critic, talking to planner on alpha, which also starts the campaign.
    private static Campaign BetaPart() => ThreeAgents().WithAgents(
        Agent("coder", "beta", "planner", "critic"), Agent("critic", "beta", "planner"));

    [Fact]
    public void Without_federated_remote_peers_and_initial_agent_are_errors()
    {
        var errors = CampaignValidator.Validate(BetaPart(), KnownSites).Where(finding => finding.Severity == FindingSeverity.Error);
        Assert.Equal(new[] { "PeerUnknown", "PeerUnknown", "InitialAgentUnknown" }, errors.Codes());
    }

    [Fact]
    public void Federated_accepts_remote_peers_and_a_remote_initial_agent()
    {
        Assert.Empty(CampaignValidator.Validate(BetaPart(), KnownSites, federated: true));
    }

    [Fact]
    public void Federated_still_rejects_duplicates_self_peering_bad_names_empty_commands_and_unknown_sites()
    {
        var campaign = BetaPart().WithAgents(
            Agent("coder", "beta", "planner"),
            Agent("coder", "beta", "planner"),
            Agent("critic", "beta", "critic"),
            Agent("bad/name", "beta", "planner"),
            Agent("runner", "beta", "planner") with { Command = Array.Empty<string>() },
            Agent("tester", "betta", "planner"));

        var codes = CampaignValidator.Validate(campaign, KnownSites, federated: true).Codes();

        Assert.Equal(new[] { "AgentNameDuplicate", "PeerIsSelf", "AgentNameInvalid", "CommandEmpty", "SiteUnknown" }, codes);
    }

    [Fact]
    public void Federated_still_rejects_a_badly_shaped_initial_agent_or_peer()
    {
        var campaign = BetaPart().WithAgents(Agent("coder", "beta", "plan ner")) with { InitialAgent = "../planner" };
        var codes = CampaignValidator.Validate(campaign, KnownSites, federated: true).Codes();
        Assert.Equal(new[] { "PeerNameInvalid", "InitialAgentInvalid" }, codes);
    }

    [Fact]
    public void A_slice_knows_its_whole_campaign_so_peers_elsewhere_need_no_federated_switch()
    {
        var slice = CampaignSlice.Select(ThreeAgents(), new[] { "coder" });
        Assert.Empty(CampaignValidator.Validate(slice, KnownSites));
    }

    [Fact]
    public void A_slice_still_rejects_peers_that_exist_nowhere()
    {
        var whole = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder"), Agent("coder", "beta", "planner", "ghost"));
        var slice = CampaignSlice.Select(whole, new[] { "coder" });
        Assert.Equal(new[] { "PeerUnknown" }, CampaignValidator.Validate(slice, KnownSites).Codes());
    }
}
