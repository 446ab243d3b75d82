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

    /// <summary>The scheduler's id of the batch job the agent runs in (Start-SwarmSite -Allocation); null for an agent process of the launcher's host.</summary>
    public string? JobId { get; init; }

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

        var launcherActive = status.State.IsActive()
            && status.Launcher?.Identity.IsAlive == true;
        var events = File.Exists(layout.EventsFile) ? new EventTimeline(new[] { layout.EventsFile }).Read(EventFilter.All) : Array.Empty<SwarmEvent>();
        return await ReportsAsync(status, events, launcherActive, agent => agent.Process?.Identity.IsAlive == true, exchange, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The agents of a REMOTE site, read over SSH (status.json, events.jsonl, whether its launcher lives
    /// there). Without a live launcher, an agent recorded as running is reported Stale: its pid is checked by
    /// the launcher's host, not from here.
    /// </summary>
    public static async Task<IReadOnlyList<AgentReport>> ReadRemoteAsync(Sites.SiteProfile site, string runId, IExchange? exchange, CancellationToken cancellationToken = default)
    {
        var remote = await RemoteSiteRun.ReadStatusAsync(site, runId, cancellationToken).ConfigureAwait(false);
        var events = await RemoteSiteRun.ReadEventsAsync(site, runId, EventFilter.All, cancellationToken).ConfigureAwait(false);
        var launcherActive = remote.State.IsActive() && remote.LauncherAlive;
        return await ReportsAsync(remote.Status, events, launcherActive, _ => false, exchange, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<AgentReport>> ReportsAsync(
        SiteStatus status, IReadOnlyList<SwarmEvent> events, bool launcherActive, Func<AgentRecord, bool> processAlive, IExchange? exchange, CancellationToken cancellationToken)
    {
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

        return status.Agents.Select(agent => new AgentReport
        {
            Name = agent.Name,
            Site = status.Site,
            RunId = status.RunId,
            Id = agent.Id,
            Pid = agent.Process?.Pid,
            JobId = status.Allocation?.JobId,
            State = Reported(agent, launcherActive, processAlive(agent), allocated: status.Allocation is not null),
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
    /// too is Stale (nobody will record how it ended); so is a rank of an allocation recorded as queued or
    /// running, as only the launcher watched its job. While the launcher runs, its record stands: a
    /// restarting agent has no process between attempts, and an exit is recorded moments after it happens.
    /// </summary>
    private static AgentState Reported(AgentRecord agent, bool launcherActive, bool processAlive, bool allocated)
    {
        if (launcherActive || agent.State is not (AgentState.NotStarted or AgentState.Queued or AgentState.Starting or AgentState.Running or AgentState.Restarting))
        {
            return agent.State;
        }

        if (allocated)
        {
            return agent.State == AgentState.NotStarted ? AgentState.NotStarted : AgentState.Stale;
        }

        if (agent.Process is null)
        {
            return AgentState.NotStarted;
        }

        return processAlive ? agent.State : AgentState.Stale;
    }
}
