using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// What a detached site launcher must be told to launch the very slice its parent resolved: the campaign
/// file to read again, this site's agents, the run, the exchange URL (the token stays in the inherited
/// environment), bootstrap, the startup timeout and the allocation asked for. The launcher's command line is built from it by
/// whoever knows how to run one (the cmdlet layer: pwsh with Start-SwarmSite; tests: a site host).
/// </summary>
public sealed record DetachedSiteArguments(
    string CampaignFile, IReadOnlyList<string> Agents, string RunId, string Site, string ExchangeUrl, bool Bootstrap, TimeSpan? StartupTimeout)
{
    /// <summary>The allocation the operator asked for (its job name is derived again from run and site); null runs the agents as processes.</summary>
    public AllocationRequest? Allocation { get; init; }

    public static DetachedSiteArguments Of(SiteLaunchOptions options)
    {
        if (string.IsNullOrEmpty(options.Campaign.Source))
        {
            throw new SwarmException(
                "CampaignNotFromFile",
                "A detached site re-reads its campaign from a file, and this campaign was not loaded from one.",
                "Save the campaign to a file and load it with Import-SwarmCampaign, or start the site without -Detach.",
                SwarmErrorCategory.InvalidArgument,
                options.Campaign.Name);
        }

        return new DetachedSiteArguments(
            options.Campaign.Source, options.LocalAgentNames, options.RunId, options.Site.Name, options.Exchange.ToString(), options.Bootstrap, options.StartupTimeout)
        {
            Allocation = options.Allocation,
        };
    }
}
