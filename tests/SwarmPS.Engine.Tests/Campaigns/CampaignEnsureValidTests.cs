using SwarmPS.Engine.Campaigns;
using static SwarmPS.Engine.Tests.Campaigns.SampleCampaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

public sealed class CampaignEnsureValidTests
{
    [Fact]
    public void A_valid_campaign_passes_and_keeps_its_warnings()
    {
        var campaign = ThreeAgents().WithAgents(Agent("planner", "alpha", "coder"), Agent("coder", "beta"));
        var findings = CampaignValidator.EnsureValid(campaign, KnownSites);
        Assert.Equal(new[] { "AgentHasNoPeers" }, findings.Codes());
    }

    [Fact]
    public void An_invalid_campaign_throws_CampaignInvalid_listing_every_error()
    {
        var campaign = ThreeAgents().WithAgents(
            Agent("planner", "nowhere", "coder"), Agent("coder", "beta", "coder"), Agent("loner", "beta", "planner"));

        var error = Assert.Throws<CampaignInvalidException>(() => CampaignValidator.EnsureValid(campaign, KnownSites));

        Assert.Equal("CampaignInvalid", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.InvalidData, error.Category);
        Assert.Same(campaign, error.Target);
        Assert.Equal(new[] { "SiteUnknown", "PeerIsSelf" }, error.Findings.Codes());
        Assert.Contains("2 error(s)", error.Message);
        Assert.Contains("SiteUnknown [planner]", error.Message);
        Assert.Contains("PeerIsSelf [coder]", error.Message);
        Assert.DoesNotContain("AgentUnreachable", error.Message);
        Assert.Contains("Test-SwarmCampaign", error.Remediation);
    }

    [Fact]
    public void Federated_mode_passes_through()
    {
        var betaPart = ThreeAgents().WithAgents(Agent("coder", "beta", "planner"));
        Assert.Throws<CampaignInvalidException>(() => CampaignValidator.EnsureValid(betaPart, KnownSites));
        Assert.Empty(CampaignValidator.EnsureValid(betaPart, KnownSites, federated: true));
    }
}
