using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>on_peer_lost and exchange.stale_after: read, defaulted, and refused with the fix when wrong.</summary>
public sealed class PeerLossSettingsTests : IDisposable
{
    private const string Valid = CampaignTexts.TwoPeers;

    private readonly TempConfigFiles _files = new();
    private static readonly VariableExpander NoVariables = CampaignTexts.NoVariables;

    public void Dispose() => _files.Dispose();

    private Campaign Load(string text) => CampaignLoader.Load(_files.Write("campaign.yaml", text), NoVariables);

    [Fact]
    public void Defaults_are_continue_and_three_heartbeats()
    {
        var campaign = Load(Valid);
        Assert.Equal(PeerLossPolicy.Continue, campaign.OnPeerLost);
        Assert.Null(campaign.Exchange.StaleAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), campaign.Exchange.EffectiveStaleAfter);

        var faster = Load(Valid + "\nexchange:\n  heartbeat_interval: 2s\n");
        Assert.Equal(TimeSpan.FromSeconds(6), faster.Exchange.EffectiveStaleAfter);
    }

    [Fact]
    public void Both_keys_are_read()
    {
        var campaign = Load(Valid + "\non_peer_lost: stop\nexchange:\n  heartbeat_interval: 1s\n  stale_after: 4s\n");
        Assert.Equal(PeerLossPolicy.Stop, campaign.OnPeerLost);
        Assert.Equal(TimeSpan.FromSeconds(4), campaign.Exchange.EffectiveStaleAfter);
        Assert.Empty(CampaignValidator.Validate(campaign, new[] { "local" }).Where(f => f.Severity == FindingSeverity.Error));
    }

    [Theory]
    [InlineData("stpo", "Did you mean 'stop'?")]
    [InlineData("contineu", "Did you mean 'continue'?")]
    [InlineData("abort", "Use one of: continue, stop")]
    public void A_bad_policy_is_refused_with_the_nearest_value(string value, string hint)
    {
        var path = _files.Write("bad.yaml", Valid + $"\non_peer_lost: {value}\n");
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Equal("ConfigValueInvalid", error.ErrorId);
        Assert.Equal(13, error.Location.Line);
        Assert.Contains($"'{value}' is not a peer-loss policy", error.Message);
        Assert.Contains(hint, error.Remediation);
    }

    [Fact]
    public void A_misspelt_key_gets_the_nearest_key()
    {
        var path = _files.Write("bad.yaml", Valid + "\nexchange:\n  stale_afer: 30s\n");
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Contains("stale_after", error.Remediation);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("soon")]
    public void A_stale_after_that_is_no_duration_is_refused(string value)
    {
        var path = _files.Write("bad.yaml", Valid + $"\nexchange:\n  stale_after: {value}\n");
        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, NoVariables));
        Assert.Equal(14, error.Location.Line);
        Assert.Contains("positive duration", error.Message + error.Remediation);
    }

    [Theory]
    [InlineData("10s", "10s")]
    [InlineData("10s", "5s")]
    public void A_stale_after_not_longer_than_the_interval_is_an_error(string interval, string staleAfter)
    {
        var campaign = Load(Valid + $"\nexchange:\n  heartbeat_interval: {interval}\n  stale_after: {staleAfter}\n");
        var finding = Assert.Single(CampaignValidator.Validate(campaign, new[] { "local" }), f => f.Code == "StaleAfterTooShort");
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains("heartbeat_interval", finding.Message);
    }

    [Fact]
    public void A_campaign_built_in_code_with_a_negative_stale_after_is_an_error()
    {
        var campaign = Load(Valid) with { Exchange = new ExchangeSettings { StaleAfter = TimeSpan.FromSeconds(-1) } };
        var finding = Assert.Single(CampaignValidator.Validate(campaign, new[] { "local" }), f => f.Code == "StaleAfterInvalid");
        Assert.Contains("positive", finding.Message);
        Assert.DoesNotContain(CampaignValidator.Validate(campaign, new[] { "local" }), f => f.Code == "StaleAfterTooShort");
    }
}
