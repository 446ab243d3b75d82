using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>A slice knows where the agents it left out run, so a site's warnings about a lost peer can name the peer's site.</summary>
public sealed class CampaignSliceSitesTests
{
    private static CampaignAgent Agent(string name, string site, params string[] peers) =>
        new() { Name = name, Site = site, Command = new[] { "run" }, AllowedPeers = peers };

    private static readonly Campaign Whole = new()
    {
        Name = "two-sites",
        InitialAgent = "ping",
        UserTask = "count",
        Agents = new[] { Agent("ping", "alpha", "pong"), Agent("pong", "beta", "ping") },
    };

    [Fact]
    public void A_whole_campaign_knows_its_own_agents_sites()
    {
        Assert.Equal("beta", Whole.SiteOf("pong"));
        Assert.Null(Whole.SiteOf("nobody"));
        Assert.Null(Whole.SliceSites);
    }

    [Fact]
    public void A_slice_and_a_slice_of_it_keep_the_sites_of_the_agents_left_out()
    {
        var slice = CampaignSlice.Select(Whole, new[] { "ping" });
        Assert.Equal(new[] { "ping" }, slice.AgentNames);
        Assert.Equal("beta", slice.SiteOf("pong"));

        var again = CampaignSlice.Select(slice, new[] { "ping" });
        Assert.Equal("beta", again.SiteOf("pong"));
        Assert.Null(again.SiteOf("nobody"));
    }
}
