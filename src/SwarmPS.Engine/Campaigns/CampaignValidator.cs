using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Checks a loaded campaign and reports every problem at once, each with its fix. Site names are
/// passed in (the caller's site catalog), so validation needs no file system or network.
/// <para>
/// Federated mode is for a campaign file that holds only this site's part of a larger campaign: the
/// initial agent and peers may live on other sites, so their absence is not an error. Everything that
/// can be judged locally (names, duplicates, self-peering, commands, sites) is still checked. A slice
/// (<see cref="Campaign.SliceOf"/>) knows its whole campaign, so its missing peers are checked against
/// that list even without federated mode.
/// </para>
/// </summary>
public static class CampaignValidator
{
    /// <summary>Variables the site launcher sets for every agent (DESIGN.md); an agent may not override them.</summary>
    public static readonly IReadOnlyList<string> ReservedEnvironment = new[]
    {
        "SWARM_RUN_ID", "SWARM_SITE", "SWARM_AGENT", "SWARM_AGENT_UID", "SWARM_PEERS",
        "SWARM_EXCHANGE_URL", "SWARM_EXCHANGE_TOKEN", "SWARM_RUN_DIR",
    };

    public static IReadOnlyList<CampaignFinding> Validate(Campaign campaign, IEnumerable<string> knownSites, bool federated = false)
    {
        var sites = knownSites.ToList();
        var findings = new List<CampaignFinding>();
        var declared = campaign.SliceOf ?? campaign.AgentNames;

        CheckCampaign(campaign, findings);
        var firstByName = new Dictionary<string, CampaignAgent>(StringComparer.OrdinalIgnoreCase);
        foreach (var agent in campaign.Agents)
        {
            CheckName(agent, firstByName, findings);
            CheckAgent(agent, sites, findings);
            CheckPeers(agent, declared, federated, findings);
        }

        CheckInitialAgent(campaign, declared, federated, findings);
        CheckReachability(campaign, federated, findings);
        return findings;
    }

    /// <summary>Returns quietly when the campaign has no errors (warnings allowed); otherwise throws CampaignInvalid listing them all.</summary>
    public static IReadOnlyList<CampaignFinding> EnsureValid(Campaign campaign, IEnumerable<string> knownSites, bool federated = false)
    {
        var findings = Validate(campaign, knownSites, federated);
        var errors = findings.Where(finding => finding.Severity == FindingSeverity.Error).ToList();
        return errors.Count == 0 ? findings : throw new CampaignInvalidException(campaign, errors);
    }

    /// <summary>
    /// Loads and validates a file; a file that cannot be read becomes one Error finding carrying the
    /// reader's error id and location, so `Get-ChildItem *.yaml | Test-SwarmCampaign` reports every file.
    /// </summary>
    public static IReadOnlyList<CampaignFinding> ValidateFile(
        string path, IEnumerable<string> knownSites, bool federated = false, VariableExpander? expander = null)
    {
        Campaign campaign;
        try
        {
            campaign = CampaignLoader.Load(path, expander);
        }
        catch (ConfigException error)
        {
            return new[] { new CampaignFinding(error.ErrorId, FindingSeverity.Error, null, $"{StripLocation(error)} {error.Remediation}", error.Location) };
        }

        return Validate(campaign, knownSites, federated);
    }

    private static void CheckCampaign(Campaign campaign, List<CampaignFinding> findings)
    {
        if (campaign.Agents.Count == 0)
        {
            findings.Add(Error("NoAgents", null, "The campaign declares no agents.",
                "Add at least one entry under 'agents:' with a name, a site and a command."));
        }

        if (string.IsNullOrWhiteSpace(campaign.UserTask))
        {
            findings.Add(Error("UserTaskEmpty", null, "The user task is empty, so the initial agent would start with nothing to do.",
                "Write the task in 'user_task:'.", campaign.UserTaskLocation));
        }

        if (campaign.StartupTimeout <= TimeSpan.Zero)
        {
            findings.Add(Error("StartupTimeoutInvalid", null, $"The startup timeout is {campaign.StartupTimeout}; it must be positive.",
                "Set 'startup_timeout:' to a positive duration such as 600 or 10m, or leave it out for the default of 600 seconds."));
        }

        if (campaign.Exchange.HeartbeatInterval <= TimeSpan.Zero)
        {
            findings.Add(Error("HeartbeatIntervalInvalid", null, $"The exchange heartbeat interval is {campaign.Exchange.HeartbeatInterval}; it must be positive.",
                "Set 'heartbeat_interval:' under 'exchange:' to a positive duration such as 10s, or leave it out for the default."));
        }

        if (campaign.Exchange.StaleAfter is { } staleAfter && staleAfter <= TimeSpan.Zero)
        {
            findings.Add(Error("StaleAfterInvalid", null, $"The exchange stale_after is {staleAfter}; it must be positive.",
                $"Set 'stale_after:' under 'exchange:' to a positive duration longer than heartbeat_interval, such as 30s, or leave it out for {ExchangeSettings.StaleAfterHeartbeats} heartbeat intervals."));
        }
        else if (campaign.Exchange.StaleAfter is { } shortStale && campaign.Exchange.HeartbeatInterval > TimeSpan.Zero && shortStale <= campaign.Exchange.HeartbeatInterval)
        {
            // A threshold no longer than the interval calls every healthy peer lost between two heartbeats.
            findings.Add(Error("StaleAfterTooShort", null,
                $"The exchange stale_after ({shortStale.TotalSeconds:0.###} s) is not longer than heartbeat_interval ({campaign.Exchange.HeartbeatInterval.TotalSeconds:0.###} s), so every peer would be called lost between two heartbeats.",
                $"Set 'stale_after:' to several heartbeat intervals (the default is {ExchangeSettings.StaleAfterHeartbeats}), or shorten 'heartbeat_interval:'."));
        }
    }

    private static void CheckName(CampaignAgent agent, Dictionary<string, CampaignAgent> firstByName, List<CampaignFinding> findings)
    {
        if (!AgentName.IsValid(agent.Name))
        {
            findings.Add(Error("AgentNameInvalid", agent.Name, $"'{agent.Name}' is not a valid agent name: it must be {AgentName.Rule}.",
                "Rename the agent (and every peers: entry naming it); the name becomes a directory and part of its mailbox id.", agent.Location));
        }

        if (firstByName.TryGetValue(agent.Name, out var first))
        {
            var sameCase = first.Name == agent.Name ? "" : $" (as '{first.Name}', differing only in case, which would share a directory on macOS and Windows)";
            findings.Add(Error("AgentNameDuplicate", agent.Name, $"The agent name '{agent.Name}' is declared more than once{sameCase}{At(first.Location, ", first at ")}.",
                "Give each agent its own name; names are unique across the whole campaign, every site included.", agent.Location));
        }
        else
        {
            firstByName[agent.Name] = agent;
        }
    }

    private static void CheckAgent(CampaignAgent agent, List<string> sites, List<CampaignFinding> findings)
    {
        if (agent.Command.Count == 0 || string.IsNullOrWhiteSpace(agent.Command[0]))
        {
            findings.Add(Error("CommandEmpty", agent.Name, "The agent's command is empty, so there is no program to start.",
                "Write the program and its arguments as a list, for example command: [\"python3\", \"agent.py\"].", agent.Location));
        }

        if (!sites.Contains(agent.Site, StringComparer.Ordinal))
        {
            var nearest = NearestKey.Suggest(agent.Site, sites);
            var known = sites.Count == 0 ? "No sites are known." : $"Known sites: {string.Join(", ", sites)}.";
            findings.Add(Error("SiteUnknown", agent.Name, $"The site '{agent.Site}' is not a known site.",
                $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}{known} Add a profile in ~/.config/swarmps/sites/ or fix 'site:' (Get-SwarmSite lists them).",
                agent.Location));
        }

        if (agent.RestartLimit < 0)
        {
            findings.Add(Error("RestartLimitNegative", agent.Name, $"The restart limit is {agent.RestartLimit}; it cannot be negative.",
                "Set 'restart_limit:' to 0 (never restart) or to how many restarts to allow.", agent.Location));
        }

        foreach (var name in agent.Environment.Keys)
        {
            if (!CampaignLoader.EnvironmentName().IsMatch(name))
            {
                findings.Add(Error("EnvironmentNameInvalid", agent.Name, $"'{name}' is not a valid environment variable name.",
                    "Use letters, digits and '_', not starting with a digit.", agent.Location));
            }
            else if (ReservedEnvironment.Contains(name))
            {
                findings.Add(Error("EnvironmentReserved", agent.Name, $"'{name}' is set by the site launcher for every agent and cannot be overridden.",
                    $"Remove '{name}' from the agent's environment; the launcher provides it (see docs/campaigns.md).", agent.Location));
            }
        }
    }

    private static void CheckPeers(CampaignAgent agent, IReadOnlyList<string> declared, bool federated, List<CampaignFinding> findings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var peer in agent.AllowedPeers)
        {
            if (!seen.Add(peer))
            {
                findings.Add(Warning("PeerDuplicate", agent.Name, $"The peer '{peer}' is listed twice.", "Keep one entry.", agent.Location));
                continue;
            }

            if (peer == agent.Name)
            {
                findings.Add(Error("PeerIsSelf", agent.Name, "The agent lists itself as a peer.",
                    $"Remove '{peer}' from its peers; an agent never needs the exchange to reach itself.", agent.Location));
            }
            else if (!AgentName.IsValid(peer))
            {
                findings.Add(Error("PeerNameInvalid", agent.Name, $"The peer '{peer}' is not a valid agent name: it must be {AgentName.Rule}.",
                    "Fix the peer's name to the agent's declared name.", agent.Location));
            }
            else if (!declared.Contains(peer, StringComparer.Ordinal) && !federated)
            {
                var nearest = NearestKey.Suggest(peer, declared);
                findings.Add(Error("PeerUnknown", agent.Name, $"The peer '{peer}' is not an agent of this campaign.",
                    $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}Declare '{peer}' under 'agents:', fix the name, or, if it runs from another site's campaign file, validate with -Federated.",
                    agent.Location));
            }
        }
    }

    private static void CheckInitialAgent(Campaign campaign, IReadOnlyList<string> declared, bool federated, List<CampaignFinding> findings)
    {
        if (!AgentName.IsValid(campaign.InitialAgent))
        {
            findings.Add(Error("InitialAgentInvalid", campaign.InitialAgent, $"The initial agent '{campaign.InitialAgent}' is not a valid agent name: it must be {AgentName.Rule}.",
                "Set 'initial_agent:' to the name of the agent that receives the user task.", campaign.InitialAgentLocation));
        }
        else if (!declared.Contains(campaign.InitialAgent, StringComparer.Ordinal) && !federated)
        {
            var nearest = NearestKey.Suggest(campaign.InitialAgent, declared);
            findings.Add(Error("InitialAgentUnknown", campaign.InitialAgent, $"The initial agent '{campaign.InitialAgent}' is not an agent of this campaign.",
                $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}Set 'initial_agent:' to one of: {string.Join(", ", declared)}; or, if it runs from another site's campaign file, validate with -Federated.",
                campaign.InitialAgentLocation));
        }
    }

    private static void CheckReachability(Campaign campaign, bool federated, List<CampaignFinding> findings)
    {
        // With agents elsewhere (federated file or slice), someone we cannot see may list them, so
        // only a whole campaign can be judged for reachability.
        if (federated || campaign.IsSlice || campaign.Agents.Count < 2)
        {
            return;
        }

        var reachable = campaign.Agents.SelectMany(agent => agent.AllowedPeers.Where(peer => peer != agent.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var agent in campaign.Agents)
        {
            if (agent.Name != campaign.InitialAgent && !reachable.Contains(agent.Name))
            {
                findings.Add(Warning("AgentUnreachable", agent.Name, "No agent lists this one as a peer and it is not the initial agent, so it will never receive a message.",
                    $"Add '{agent.Name}' to the peers of an agent that should talk to it, or remove it.", agent.Location));
            }

            // Unknown peers are already errors; this is about an agent that lists no one at all.
            if (agent.AllowedPeers.All(peer => peer == agent.Name))
            {
                findings.Add(Warning("AgentHasNoPeers", agent.Name, "The agent lists no other agent as a peer, so it can send no messages.",
                    "List under 'peers:' the agents it should talk to (a reply needs the sender listed too).", agent.Location));
            }
        }
    }

    private static CampaignFinding Error(string code, string? agent, string problem, string fix, SourceLocation? location = null) =>
        new(code, FindingSeverity.Error, agent, $"{problem} {fix}", location);

    private static CampaignFinding Warning(string code, string? agent, string problem, string fix, SourceLocation? location = null) =>
        new(code, FindingSeverity.Warning, agent, $"{problem} {fix}", location);

    private static string At(SourceLocation? location, string prefix) => location is null ? "" : $"{prefix}{location}";

    private static string StripLocation(ConfigException error)
    {
        var prefix = $"{error.Location}: ";
        return error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
    }
}
