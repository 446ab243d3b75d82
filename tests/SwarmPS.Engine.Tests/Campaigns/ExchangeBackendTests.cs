using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>exchange.backend and its addresses are honoured or refused when the campaign is loaded, never silently ignored.</summary>
public sealed class ExchangeBackendTests : IDisposable
{
    private const string Valid = CampaignTexts.OneAgent;

    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = CampaignTexts.NoVariables;

    public void Dispose() => _files.Dispose();

    private Campaign Load(string name, string exchange) => CampaignLoader.Load(_files.Write(name, Valid + "\nexchange:\n" + exchange), NoVariables);

    private ConfigException Refused(string name, string exchange) => Assert.Throws<ConfigException>(() => Load(name, exchange));

    [Theory]
    [InlineData("embedded")]
    [InlineData("http")]
    public void The_single_exchange_backends_load(string backend)
    {
        var campaign = Load($"{backend}.yaml", $"  backend: {backend}\n  url: https://login01:8471/\n");

        Assert.Equal(backend, campaign.Exchange.Backend);
        Assert.Equal("https", campaign.Exchange.Url!.Scheme);
    }

    [Fact]
    public void The_rabbitmq_backend_loads_its_gateways_in_order_and_the_broker_it_starts_them_on()
    {
        var campaign = Load("rabbitmq.yaml", "  backend: rabbitmq\n  url: http://login01:8471/, http://login02:8471/\n  broker_uri: amqp://mq1:5672/swarm,amqp://mq2:5672/swarm\n  broker_name: chat\n");

        Assert.Equal([new Uri("http://login01:8471/"), new Uri("http://login02:8471/")], campaign.Exchange.Urls);
        Assert.Equal("amqp://mq1:5672/swarm,amqp://mq2:5672/swarm", campaign.Exchange.BrokerUri);
        Assert.Equal("chat", campaign.Exchange.BrokerName);
    }

    [Fact]
    public void The_rabbitmq_backend_needs_the_gateways_agents_use()
    {
        var error = Refused("no-url.yaml", "  backend: rabbitmq\n");

        Assert.Contains("needs 'url:'", error.Message);
    }

    [Fact]
    public void The_broker_address_in_url_is_refused_for_rabbitmq_since_agents_speak_http_to_gateways()
    {
        var error = Refused("amqp-url.yaml", "  backend: rabbitmq\n  url: amqp://broker:5672/\n");

        Assert.Equal(10, error.Location.Line);
        Assert.Contains("broker_uri", error.Remediation);
    }

    [Fact]
    public void Several_urls_belong_to_the_rabbitmq_backend_only()
    {
        var error = Refused("two-urls.yaml", "  backend: http\n  url: http://a:1/,http://b:1/\n");

        Assert.Contains("only the rabbitmq backend", error.Message);
    }

    [Theory]
    [InlineData("  backend: embedded\n  broker_uri: amqp://mq:5672/\n", "broker_uri")]
    [InlineData("  backend: rabbitmq\n  url: http://gw:8471/\n  broker_uri: amqp://user:secret@mq:5672/\n", "credentials")]
    [InlineData("  backend: rabbitmq\n  url: http://gw:8471/\n  broker_uri: http://mq:5672/\n", "amqp://")]
    public void Broker_settings_are_checked_when_the_campaign_is_loaded(string exchange, string expected)
    {
        var error = Refused("broker.yaml", exchange);

        Assert.Contains(expected, error.Message + error.Remediation);
        Assert.DoesNotContain("secret", error.Message + error.Remediation);
    }
}
