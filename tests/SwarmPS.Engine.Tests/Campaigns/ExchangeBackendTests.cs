using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>exchange.backend is honoured or refused when the campaign is loaded, never silently ignored.</summary>
public sealed class ExchangeBackendTests : IDisposable
{
    private const string Valid = CampaignTexts.OneAgent;

    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = CampaignTexts.NoVariables;

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_known_backend_that_nothing_implements_is_refused_at_its_line_with_the_backends_that_work()
    {
        var path = _files.Write("broker.yaml", Valid + "\nexchange:\n  backend: rabbitmq\n  url: amqp://broker:5672/\n");

        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));

        Assert.Equal("ExchangeBackendNotImplemented", error.ErrorId);
        Assert.Equal(9, error.Location.Line);
        Assert.Contains("'rabbitmq' is not implemented", error.Message);
        Assert.Contains("backend: embedded", error.Remediation);
        Assert.Contains("embedded, http", error.Remediation);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("http")]
    public void The_implemented_backends_load(string backend)
    {
        var path = _files.Write($"{backend}.yaml", Valid + $"\nexchange:\n  backend: {backend}\n  url: https://login01:8471/\n");

        var campaign = CampaignLoader.Load(path, NoVariables);

        Assert.Equal(backend, campaign.Exchange.Backend);
        Assert.Equal("https", campaign.Exchange.Url!.Scheme);
    }

    [Fact]
    public void Every_known_backend_is_implemented_or_refused_by_the_check()
    {
        foreach (var backend in ExchangeSettings.KnownBackends.Except(ExchangeSettings.ImplementedBackends))
        {
            var path = _files.Write($"{backend}-known.yaml", Valid + $"\nexchange:\n  backend: {backend}\n");
            Assert.Equal("ExchangeBackendNotImplemented", Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables)).ErrorId);
        }
    }
}
