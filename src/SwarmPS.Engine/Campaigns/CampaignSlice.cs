using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// Selects the agents one site runs from a whole campaign. The slice is a new campaign holding only
/// those agents, in declaration order (the order they start in), with the initial agent left as it
/// was (it may run on another site) and <see cref="Campaign.SliceOf"/> naming every agent of the
/// original, so validation still knows peers that live elsewhere.
/// </summary>
public static class CampaignSlice
{
    /// <summary>
    /// <paramref name="names"/> may hold single names or comma lists as operators type them
    /// ("a, ,b," reads as a and b): PowerShell binds <c>-Name a,b</c> as an array but
    /// <c>-Name "a,b"</c> or a value from a script variable as one string.
    /// </summary>
    public static Campaign Select(Campaign campaign, IEnumerable<string?> names)
    {
        var requested = Split(names);
        if (requested.Count == 0)
        {
            throw new SwarmException(
                "AgentSelectionEmpty",
                $"No agent names were given to select from campaign '{campaign.Name}'.",
                $"Name one or more agents, for example -Name {string.Join(',', campaign.AgentNames.Take(2))}. Agents: {string.Join(", ", campaign.AgentNames)}.",
                SwarmErrorCategory.InvalidArgument,
                campaign);
        }

        var duplicates = requested.GroupBy(name => name, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new SwarmException(
                "AgentSelectionDuplicate",
                $"The selection names {Quote(duplicates)} more than once.",
                "Name each agent once.",
                SwarmErrorCategory.InvalidArgument,
                duplicates);
        }

        var available = campaign.AgentNames;
        var unknown = requested.Where(name => !available.Contains(name, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            var suggestions = unknown
                .Select(name => (name, nearest: NearestKey.Suggest(name, available)))
                .Where(pair => pair.nearest is not null)
                .Select(pair => $"'{pair.name}' -> did you mean '{pair.nearest}'?")
                .ToList();
            throw new SwarmException(
                "AgentNotFound",
                $"Campaign '{campaign.Name}'{(campaign.IsSlice ? " (a slice)" : "")} has no agent {Quote(unknown)}.",
                $"{(suggestions.Count == 0 ? "" : string.Join(" ", suggestions) + " ")}Agents: {string.Join(", ", available)}.",
                SwarmErrorCategory.ObjectNotFound,
                unknown);
        }

        var wanted = requested.ToHashSet(StringComparer.Ordinal);
        return campaign with
        {
            Agents = campaign.Agents.Where(agent => wanted.Contains(agent.Name)).ToList(),
            SliceOf = campaign.SliceOf ?? available,
            SliceSites = campaign.SliceSites ?? campaign.Agents.GroupBy(agent => agent.Name, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.First().Site, StringComparer.Ordinal),
        };
    }

    /// <summary>Splits comma lists, trims, drops empty segments; keeps request order for messages.</summary>
    public static IReadOnlyList<string> Split(IEnumerable<string?> names) =>
        names
            .Where(name => name is not null)
            .SelectMany(name => name!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(name => $"'{name}'"));
}
