using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>SWARM_EXCHANGE_CA / SWARM_EXCHANGE_PIN of the launch reach every agent, whatever the site unsets.</summary>
public sealed class AgentExchangeTrustTests
{
    private static readonly CampaignAgent Agent = new() { Name = "a", Site = "alpha", Command = new[] { "run-a" } };

    [Fact]
    public void The_launchers_ca_and_pin_are_handed_to_the_agent_even_when_the_site_unsets_them()
    {
        var site = new SiteProfile { Name = "alpha", RunRoot = "/tmp/runs", UnsetEnvironment = new[] { ExchangeTrust.CaVariable, ExchangeTrust.PinVariable } };
        var launcher = new Dictionary<string, string> { [ExchangeTrust.CaVariable] = "/srv/exchange.crt", [ExchangeTrust.PinVariable] = "AB:CD" };

        var environment = AgentEnvironment.For(Agent, "run-1", site, [new Uri("https://login01:8471/")], "token", "/tmp/run", new[] { "a" }, name => launcher.GetValueOrDefault(name));

        Assert.Equal("/srv/exchange.crt", environment[ExchangeTrust.CaVariable]);
        Assert.Equal("AB:CD", environment[ExchangeTrust.PinVariable]);
    }

    [Fact]
    public void Without_them_in_the_launch_the_agent_gets_neither()
    {
        var environment = AgentEnvironment.For(Agent, "run-1", new SiteProfile { Name = "alpha", RunRoot = "/tmp/runs" }, [new Uri("http://127.0.0.1:8471/")], "token", "/tmp/run", new[] { "a" }, _ => null);

        Assert.False(environment.ContainsKey(ExchangeTrust.CaVariable));
        Assert.False(environment.ContainsKey(ExchangeTrust.PinVariable));
    }
}
