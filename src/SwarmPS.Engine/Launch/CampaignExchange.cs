using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The exchange a campaign's run talks to, found the same way by every command that acts on the run
/// (Start-SwarmSite, Send-SwarmBootstrap, the detached launcher): the URL given (-ExchangeUrl), else the
/// campaign's exchange url, else SWARM_EXCHANGE_URL; the token from the campaign's token variable.
/// </summary>
public static class CampaignExchange
{
    public static ExchangeConnection Connection(Campaign campaign, string? exchangeUrl) =>
        ExchangeConnection.FromEnvironment(exchangeUrl ?? (campaign.Exchange.Urls.Count > 0 ? string.Join(',', campaign.Exchange.Urls) : null), campaign.Exchange.TokenVariable);
}
