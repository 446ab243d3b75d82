using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Finds each agent's program before anything starts, so a typo in a command fails the launch at once
/// with the agent named, instead of one agent crash-looping while its peers wait for it.
/// </summary>
public static class AgentCommandCheck
{
    public static void EnsureRunnable(IEnumerable<CampaignAgent> agents, string workingDirectory, string? path)
    {
        var problems = agents
            .Where(agent => ProgramLookup.Resolve(agent.Command[0], workingDirectory, path) is null)
            .Select(agent => $"agent '{agent.Name}': '{agent.Command[0]}'")
            .ToList();
        if (problems.Count == 0)
        {
            return;
        }

        throw new SwarmException(
            "AgentCommandNotFound",
            $"These agent programs cannot be found or are not executable: {string.Join("; ", problems)}. Nothing was started.",
            $"Fix the command in the campaign file, install the program, or give its full path; relative paths are resolved from '{workingDirectory}'.",
            SwarmErrorCategory.ObjectNotFound,
            problems);
    }
}
