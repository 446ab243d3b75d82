using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// The campaign a training plan runs as: one agent per role, so the launch machinery gives each role a
/// mailbox, heartbeats, supervision and events. The agent <c>coordinator</c> runs on the plan's coordinator
/// site, each contributor is the agent of its id on its own site; a contributor may send only to the
/// coordinator, the coordinator to every contributor. Every agent runs the same command, the role host
/// (<c>SwarmPS.SiteHost training-role</c>): it knows its role from SWARM_AGENT and finds the site's settings
/// in SWARM_RUN_DIR, so the campaign file is the same on every site.
/// </summary>
public static class TrainingCampaign
{
    public const string FileName = "training-campaign.yaml";

    /// <summary>How long a site's launcher waits for every role of every site to be registered.</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The campaign file of <paramref name="plan"/>, whose agents run <paramref name="roleHost"/> (program and arguments).</summary>
    public static string Yaml(TrainingPlan plan, IReadOnlyList<string> roleHost)
    {
        if (plan.Contributors.FirstOrDefault(c => c.Id == TrainingRoleContext.CoordinatorAgent) is { } clash)
        {
            throw new SwarmException("TrainingContributorNameReserved",
                $"The plan names a contributor '{clash.Id}', the name of the coordinator's role in the run's campaign.",
                "Rename that contributor in the plan (any other agent name) and import it again.",
                SwarmErrorCategory.InvalidArgument, clash.Id);
        }

        var command = Flow(roleHost.Append("training-role"));
        var yaml = new StringBuilder();
        yaml.Append("# Derived by Start-SwarmTraining from the training plan ").Append(plan.Digest).Append("; not edited by hand.\n");
        yaml.Append("name: ").Append(Quote(plan.Namespace)).Append('\n');
        yaml.Append("description: ").Append(Quote($"the roles of training plan {plan.Digest}")).Append('\n');
        yaml.Append("initial_agent: ").Append(TrainingRoleContext.CoordinatorAgent).Append('\n');
        yaml.Append("user_task: ").Append(Quote("coordinate the training plan")).Append('\n');
        yaml.Append("startup_timeout: ").Append(((int)StartupTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)).Append("s\n");
        yaml.Append("agents:\n");
        Agent(yaml, TrainingRoleContext.CoordinatorAgent, plan.CoordinatorSite, command, plan.Contributors.Select(c => c.Id));
        foreach (var contributor in plan.Contributors)
        {
            // A contributor that fails or is lost is the coordinator's to judge (lost, then blocked or left out), so
            // its failure must not stop a coordinator on the same site.
            Agent(yaml, contributor.Id, contributor.Site, command, new[] { TrainingRoleContext.CoordinatorAgent }, onFailure: "continue");
        }

        return yaml.ToString();
    }

    /// <summary>Writes the campaign file (<see cref="Yaml"/>) into a site directory and loads it, so the launch reads exactly what was written.</summary>
    public static Campaign Write(string siteDirectory, string yaml)
    {
        OwnerOnly.CreateDirectory(siteDirectory);
        var path = Path.Combine(siteDirectory, FileName);
        AtomicFile.WriteAllText(path, yaml);
        return CampaignLoader.Load(path);
    }

    private static void Agent(StringBuilder yaml, string name, string site, string command, IEnumerable<string> peers, string? onFailure = null)
    {
        yaml.Append("  - name: ").Append(name).Append('\n');
        yaml.Append("    site: ").Append(Quote(site)).Append('\n');
        yaml.Append("    command: ").Append(command).Append('\n');
        yaml.Append("    peers: ").Append(Flow(peers)).Append('\n');
        if (onFailure is not null)
        {
            yaml.Append("    on_failure: ").Append(onFailure).Append('\n');
        }
    }

    private static string Flow(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Quote)) + "]";

    /// <summary>
    /// A JSON string is a YAML double-quoted scalar: every character survives the YAML parser. The campaign
    /// loader then expands <c>${VAR}</c> in every value, so each <c>${</c> is written <c>$${</c> (its literal form):
    /// a role host under a path holding <c>${</c> is run from that path, not from one the environment made up.
    /// </summary>
    private static string Quote(string text) => JsonSerializer.Serialize(text.Replace("${", "$${", StringComparison.Ordinal));
}
