using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>One agent of a launch as Get-SwarmAgent shows it.</summary>
public sealed record AgentReport
{
    public required string Name { get; init; }

    public required string Site { get; init; }

    public required string RunId { get; init; }

    public Guid Id { get; init; }

    public int? Pid { get; init; }

    public AgentState State { get; init; }

    public int Restarts { get; init; }

    public int? LastExitCode { get; init; }

    /// <summary>From the exchange; null when it could not be asked.</summary>
    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>Messages the agent recorded receiving and sending (message_received / message_sent events).</summary>
    public int MessagesIn { get; init; }

    public int MessagesOut { get; init; }

    /// <summary>
    /// Reads a site's status.json and events, corrects what the record cannot know by itself (see
    /// <see cref="Reported"/>), and adds heartbeats from the exchange when one is given and reachable.
    /// </summary>
    public static async Task<IReadOnlyList<AgentReport>> ReadAsync(SiteRunLayout layout, IExchange? exchange, CancellationToken cancellationToken = default)
    {
        var status = SiteStatusFile.TryRead(layout.StatusFile);
        if (status is null)
        {
            return Array.Empty<AgentReport>();
        }

        var heartbeats = new Dictionary<Guid, DateTimeOffset>();
        if (exchange is not null)
        {
            try
            {
                foreach (var mailbox in await exchange.GetStatusAsync(status.Agents.Select(a => a.Id).ToList(), cancellationToken).ConfigureAwait(false))
                {
                    heartbeats[mailbox.Id] = mailbox.LastHeartbeat;
                }
            }
            catch (SwarmException)
            {
                // Process state is still worth showing without the exchange.
            }
        }

        var launcherActive = status.State is SiteState.Starting or SiteState.WaitingForPeers or SiteState.Running
            && status.Launcher?.Identity.IsAlive == true;
        var events = File.Exists(layout.EventsFile) ? new EventTimeline(new[] { layout.EventsFile }).Read(EventFilter.All) : Array.Empty<SwarmEvent>();
        return status.Agents.Select(agent => new AgentReport
        {
            Name = agent.Name,
            Site = status.Site,
            RunId = status.RunId,
            Id = agent.Id,
            Pid = agent.Process?.Pid,
            State = Reported(agent, launcherActive),
            Restarts = agent.Restarts,
            LastExitCode = agent.LastExitCode,
            LastHeartbeat = heartbeats.TryGetValue(agent.Id, out var heartbeat) ? heartbeat : null,
            MessagesIn = events.Count(e => e.Agent == agent.Name && e.Kind == "message_received"),
            MessagesOut = events.Count(e => e.Agent == agent.Name && e.Kind == "message_sent"),
        }).ToList();
    }

    /// <summary>
    /// The recorded state, unless the launcher that keeps it is gone: then an agent that never got a
    /// process did not start, and one recorded as starting, running or restarting whose process is gone
    /// too is Stale (nobody will record how it ended). While the launcher runs, its record stands: a
    /// restarting agent has no process between attempts, and an exit is recorded moments after it happens.
    /// </summary>
    public static AgentState Reported(AgentRecord agent, bool launcherActive)
    {
        if (launcherActive || agent.State is not (AgentState.NotStarted or AgentState.Starting or AgentState.Running or AgentState.Restarting))
        {
            return agent.State;
        }

        if (agent.Process is null)
        {
            return AgentState.NotStarted;
        }

        return agent.Process.Identity.IsAlive ? agent.State : AgentState.Stale;
    }
}
