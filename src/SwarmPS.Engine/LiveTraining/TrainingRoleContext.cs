using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// Where a role of a live training run stands, from the agent contract the launcher sets (SWARM_RUN_ID,
/// SWARM_SITE, SWARM_AGENT, SWARM_RUN_DIR, SWARM_EXCHANGE_URL and SWARM_EXCHANGE_TOKEN): its run, site and
/// name, its mailbox and the coordinator's, its site's event log, and the exchange.
/// </summary>
public sealed record TrainingRoleContext(string RunId, string Site, string Agent, string RunDirectory, ExchangeConnection Connection)
{
    /// <summary>The agent name of the coordinator role in every derived campaign.</summary>
    public const string CoordinatorAgent = "coordinator";

    public Guid Mailbox => AgentMailboxId.For(RunId, Agent);

    public Guid MailboxOf(string agent) => AgentMailboxId.For(RunId, agent);

    public EventLog Events => new(Path.Combine(RunDirectory, "events.jsonl"));

    /// <summary>Appends an event of this role to its site's events.jsonl (the launcher's own file: one line per write).</summary>
    public void Record(string kind, params (string Name, object? Value)[] fields) =>
        Events.Append(SwarmEvent.Now(Site, Agent, kind, fields.ToDictionary(field => field.Name, field => field.Value, StringComparer.Ordinal)));

    public static TrainingRoleContext FromEnvironment()
    {
        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new SwarmException("TrainingRoleOutsideLaunch",
                $"{name} is not set: a training role runs as an agent of a launched site.",
                "Start the run with Start-SwarmTraining; the launcher sets the SWARM_* variables every role reads.",
                SwarmErrorCategory.InvalidOperation, name);

        return new TrainingRoleContext(Required("SWARM_RUN_ID"), Required("SWARM_SITE"), Required("SWARM_AGENT"), Required("SWARM_RUN_DIR"),
            ExchangeConnection.FromEnvironment());
    }
}
