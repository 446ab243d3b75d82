using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The one place a run's exchange is found (Start-SwarmSite, its detached launcher and Send-SwarmBootstrap
/// all use it): -ExchangeUrl, else the campaign's url; the token always from the campaign's token variable.
/// </summary>
public sealed class CampaignExchangeTests : IDisposable
{
    private const string Variable = "SWARM_TEST_CAMPAIGN_EXCHANGE_TOKEN";

    private static readonly Campaign WithUrl = LaunchTestBed.Campaign("ping", LaunchTestBed.Agent("ping", "local", new[] { "sleep", "1" })) with
    {
        Exchange = new ExchangeSettings { Urls = [new Uri("http://10.0.0.5:8471/")], TokenVariable = Variable },
    };

    public CampaignExchangeTests() => Environment.SetEnvironmentVariable(Variable, "campaign-token");

    public void Dispose() => Environment.SetEnvironmentVariable(Variable, null);

    [Fact]
    public void The_url_given_wins_over_the_campaigns_and_the_token_comes_from_the_campaigns_variable()
    {
        var connection = CampaignExchange.Connection(WithUrl, "http://127.0.0.1:9000");

        Assert.Equal(new Uri("http://127.0.0.1:9000/"), connection.Url);
        Assert.Equal("campaign-token", connection.Token);
    }

    [Fact]
    public void Without_a_url_given_the_campaigns_url_is_used()
    {
        Assert.Equal(new Uri("http://10.0.0.5:8471/"), CampaignExchange.Connection(WithUrl, null).Url);
    }

    [Fact]
    public void A_site_launch_resolves_its_exchange_the_same_way()
    {
        var root = Directory.CreateTempSubdirectory("swarmps-exchange-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "local.yaml"), $"scheduler: local\nrun_root: {Path.Combine(root, "runs")}\n");
            var catalog = new SiteCatalog(new[] { root }, new SwarmPS.Engine.Configuration.VariableExpander(_ => null));
            var request = new SiteLaunchRequest { Campaign = WithUrl, RunId = "exchange-check", WorkingDirectory = "/" };

            Assert.Equal(CampaignExchange.Connection(WithUrl, null).Url, request.Resolve(catalog).Exchange.Url);
            Assert.Equal(new Uri("http://127.0.0.1:9000/"), (request with { ExchangeUrl = "http://127.0.0.1:9000/" }).Resolve(catalog).Exchange.Url);
            Assert.Equal("campaign-token", request.Resolve(catalog).Exchange.Token);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
