using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The environment an agent process starts with (DESIGN.md "Agent process contract"): the launcher's
/// own environment, then the site's variables and removals, the proxy, the agent's own variables, and
/// last the SWARM_* contract (SWARM_NAMESPACE included, from the launcher's own), which nothing can override; SWARM_CONTROL_TOKEN is removed. A null value removes a variable.
/// </summary>
public static class AgentEnvironment
{
    /// <summary>The variable a control token may be given in (SwarmPS.Engine.Control reads it); removed from every agent's environment.</summary>
    public const string ControlTokenVariable = "SWARM_CONTROL_TOKEN";

    public static IReadOnlyDictionary<string, string?> For(
        CampaignAgent agent, string runId, SiteProfile site, IReadOnlyList<Uri> exchangeUrls, string exchangeToken, string siteDirectory, IReadOnlyList<string> allAgentNames,
        Func<string, string?>? launcherVariable = null)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var name in site.UnsetEnvironment)
        {
            environment[name] = null;
        }

        foreach (var (name, value) in site.Environment)
        {
            environment[name] = value;
        }

        if (site.HttpProxy is not null)
        {
            environment["http_proxy"] = environment["HTTP_PROXY"] = site.HttpProxy;
            environment["https_proxy"] = environment["HTTPS_PROXY"] = site.HttpProxy;
        }

        if (site.NoProxy is not null)
        {
            environment["no_proxy"] = environment["NO_PROXY"] = site.NoProxy;
        }

        foreach (var (name, value) in agent.Environment)
        {
            environment[name] = value;
        }

        // The control token lets its holder start and stop processes: an agent never inherits it from its launcher
        // (docs/control-protocol.md); a workflow agent reads its namespace's token file itself.
        environment[ControlTokenVariable] = null;
        environment["SWARM_RUN_ID"] = runId;
        environment[SwarmNamespace.Variable] = SwarmNamespace.Resolve(null, launcherVariable);
        environment["SWARM_SITE"] = site.Name;
        environment["SWARM_AGENT"] = agent.Name;
        environment["SWARM_AGENT_UID"] = AgentMailboxId.For(runId, agent.Name).ToString();
        environment["SWARM_PEERS"] = string.Join(',', agent.AllowedPeers.Select(peer => $"{peer}={AgentMailboxId.For(runId, peer)}"));
        // Several gateways of one exchange (the RabbitMQ backend) go comma-separated; the agent moves between them.
        environment["SWARM_EXCHANGE_URL"] = string.Join(',', exchangeUrls);
        environment["SWARM_EXCHANGE_TOKEN"] = exchangeToken;
        // Which HTTPS exchange certificate to believe travels with the URL, even past a site's unset_env.
        foreach (var name in new[] { ExchangeTrust.CaVariable, ExchangeTrust.PinVariable })
        {
            if ((launcherVariable ?? Environment.GetEnvironmentVariable)(name) is { Length: > 0 } value)
            {
                environment[name] = value;
            }
        }

        environment["SWARM_RUN_DIR"] = siteDirectory;
        return environment;
    }
}
