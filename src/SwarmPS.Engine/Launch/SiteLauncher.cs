using System.Diagnostics;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Runs one site's slice of a federated campaign from start to finish: checks the agents' programs,
/// registers their mailboxes (a run id already live fails fast), starts the agents (as supervised
/// processes of this host, or as the ranks of one allocation: <see cref="ISiteAgents"/>), waits for every
/// peer on other sites to be live, sends or defers the kickoff, and ends when every local agent has
/// finished. The launcher heartbeats its agents' mailboxes while they run, so liveness means "the agent
/// is running" even for agents that never heartbeat themselves. Cancellation stops every agent (SIGTERM,
/// grace, SIGKILL; or the allocation's cancel) and terminates their mailboxes.
/// </summary>
public sealed class SiteLauncher
{
    private readonly SiteLaunchOptions _options;
    private readonly IExchange _exchange;
    private readonly IProgress<string>? _landmarks;

    public SiteLauncher(SiteLaunchOptions options, IExchange exchange, IProgress<string>? landmarks = null)
    {
        _options = options;
        _exchange = exchange;
        _landmarks = landmarks;
    }

    public async Task<SiteLaunchResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = CampaignRunId.Validate(_options.RunId);
        var site = _options.Site;
        var layout = new SiteRunLayout(site.RunRoot, runId, site.Name);
        var agents = LocalAgents(_options.Campaign, site.Name);
        // Before any file is written: a refused launch must leave the previous one's records as they are.
        await LaunchPreflight.CheckAsync(_options, _exchange, cancellationToken).ConfigureAwait(false);
        var journal = OpenJournal(layout, runId, agents);
        journal.Record(null, "site_starting", fields: SiteJournal.Fields(
            ("agents", agents.Select(agent => agent.Name).ToArray()), ("exchange", _options.Exchange.ToString()), ("pid", Environment.ProcessId)));

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var slice = Agents(runId, agents, layout, journal);
        var registered = false;
        var heartbeats = Task.CompletedTask;
        try
        {
            // An allocation waits here in the queue: the startup clock (registration, rendezvous) starts when its job does.
            await slice.PrepareAsync(stopping.Token).ConfigureAwait(false);
            var deadline = DateTimeOffset.UtcNow + _options.EffectiveStartupTimeout;
            await RegisterAsync(runId, agents, journal, deadline, stopping.Token).ConfigureAwait(false);
            registered = true;

            var running = slice.Start(stopping.Token);
            heartbeats = HeartbeatAsync(runId, slice, journal, stopping.Token);
            journal.SiteState(SiteState.WaitingForPeers);
            await WaitForPeersAsync(runId, agents, journal, slice, running, stopping.Token).ConfigureAwait(false);
            await KickOffAsync(runId, agents, journal, stopping.Token).ConfigureAwait(false);
            journal.SiteState(SiteState.Running);

            // Peer watch (PeerWatcher): under on_peer_lost: stop, a lost peer ends the run like a failed agent.
            var failure = FirstFailureAsync(running);
            var peerLost = new PeerWatcher(_exchange, _options.Campaign, journal).UntilStopAsync(runId, RemotePeers(agents), stopping.Token);
            if (await Task.WhenAny(failure, peerLost).ConfigureAwait(false) == peerLost && await peerLost.ConfigureAwait(false) is { } lost)
            {
                throw lost;
            }

            if (await failure.ConfigureAwait(false) is { } failed)
            {
                throw slice.Failure(failed);
            }

            // The final event before the final state: a follower that reads the state first and then the events
            // (RemoteEventFollow) ends on the state, so the event must already be in the file.
            journal.Record(null, "site_finished", $"all {agents.Count} agent(s) finished", SiteJournal.Fields(("elapsed_ms", clock.ElapsedMilliseconds)));
            journal.SiteState(SiteState.Finished);
            await stopping.CancelAsync().ConfigureAwait(false);
            await TerminateMailboxesAsync(runId, agents).ConfigureAwait(false);
            return new SiteLaunchResult(runId, site.Name, SiteState.Finished, layout.SiteDirectory, journal.Status.Current.Agents, clock.Elapsed);
        }
        catch (Exception error)
        {
            var stoppedByUser = error is OperationCanceledException && cancellationToken.IsCancellationRequested;
            var stoppedForPeer = error is SwarmException { ErrorId: PeerWatcher.PeerLostErrorId };
            await stopping.CancelAsync().ConfigureAwait(false);
            await slice.StopAsync().ConfigureAwait(false);
            if (registered)
            {
                await TerminateMailboxesAsync(runId, agents).ConfigureAwait(false);
            }

            var problem = error is SwarmException swarm ? $"{swarm.ErrorId}: {swarm.Message}" : error.Message;
            journal.Record(null, stoppedByUser || stoppedForPeer ? "site_stopped" : "site_failed",
                stoppedByUser ? "stopped" : stoppedForPeer ? $"stopped: {problem}" : $"failed: {problem}",
                SiteJournal.Fields(("reason", stoppedByUser ? "cancelled" : stoppedForPeer ? "peer_lost" : error is SwarmException known ? known.ErrorId : problem)));
            journal.SiteState(stoppedByUser || stoppedForPeer ? SiteState.Stopped : SiteState.Failed, stoppedByUser ? null : problem);
            throw;
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(false);
        }
    }

    /// <summary>Processes of this host, or the ranks of one batch job when the launch asks for an allocation.</summary>
    private ISiteAgents Agents(string runId, IReadOnlyList<CampaignAgent> agents, SiteRunLayout layout, SiteJournal journal)
    {
        if (_options.Allocation is { } allocation)
        {
            return new AllocatedAgents(_options, allocation, agents, layout, journal);
        }

        var environments = agents.ToDictionary(
            agent => agent.Name,
            agent => AgentEnvironment.For(agent, runId, _options.Site, _options.Exchange.Urls, _options.Exchange.Token, layout.SiteDirectory, _options.Campaign.AgentNames));
        return new SupervisedAgents(_options, agents, layout, environments, journal);
    }

    /// <summary>The campaign's agents that run on <paramref name="site"/>; none is an error (NoAgentsForSite).</summary>
    public static IReadOnlyList<CampaignAgent> LocalAgents(Campaign campaign, string site)
    {
        var agents = campaign.Agents.Where(agent => agent.Site == site).ToList();
        if (agents.Count > 0)
        {
            return agents;
        }

        var elsewhere = string.Join(", ", campaign.Agents.Select(agent => $"{agent.Name} on {agent.Site}"));
        throw new SwarmException(
            "NoAgentsForSite",
            $"Campaign '{campaign.Name}' has no agents for site '{site}' ({elsewhere}).",
            "Pass the site its agents run on with -Site, or select this site's agents with Select-SwarmAgent.",
            SwarmErrorCategory.InvalidArgument,
            site);
    }

    private SiteJournal OpenJournal(SiteRunLayout layout, string runId, IReadOnlyList<CampaignAgent> agents)
    {
        var now = DateTimeOffset.UtcNow;
        var status = new SiteStatusTracker(layout.StatusFile, new SiteStatus
        {
            RunId = runId,
            Site = layout.Site,
            State = SiteState.Starting,
            Launcher = RecordedProcess.Of(ProcessIdentity.Current, leadsGroup: false),
            ExchangeUrl = _options.Exchange.ToString(),
            StartedAt = now,
            UpdatedAt = now,
            Agents = agents.Select(agent => new AgentRecord { Name = agent.Name, Id = AgentMailboxId.For(runId, agent.Name), State = AgentState.NotStarted }).ToList(),
        });
        return new SiteJournal(layout.Site, new EventLog(layout.EventsFile), status, _landmarks);
    }

    /// <summary>Registers every local mailbox; a live one means the run id is in use, and nothing is left half-registered.</summary>
    private async Task RegisterAsync(string runId, IReadOnlyList<CampaignAgent> agents, SiteJournal journal, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var registered = new List<CampaignAgent>();
        try
        {
            foreach (var agent in agents)
            {
                await ExchangeRetry.UntilAsync(deadline, () => _exchange.RegisterAsync(runId, agent.Name, cancellationToken), cancellationToken).ConfigureAwait(false);
                registered.Add(agent);
            }
        }
        catch (Exception error) when (error is SwarmException or OperationCanceledException)
        {
            await TerminateMailboxesAsync(runId, registered).ConfigureAwait(false);
            if (error is SwarmException { ErrorId: "MailboxExists" } exists)
            {
                // Registered since the preflight looked: another launch with this run id started meanwhile.
                throw LaunchPreflight.MailboxExists(runId, agents[registered.Count].Name, _options.Site.Name, exists);
            }

            throw;
        }

        journal.Record(null, "mailboxes_registered", $"registered {agents.Count} agent(s)",
            SiteJournal.Fields(("agents", agents.Select(agent => agent.Name).ToArray())));
    }

    private async Task WaitForPeersAsync(string runId, IReadOnlyList<CampaignAgent> agents, SiteJournal journal, ISiteAgents slice, IReadOnlyList<Task<AgentOutcome>> running, CancellationToken cancellationToken)
    {
        var peers = RemotePeers(agents);
        if (peers.Count == 0)
        {
            journal.Record(null, "peers_live", "all peers live (none on other sites)", SiteJournal.Fields(("peers", Array.Empty<string>())));
            return;
        }

        var missing = new SynchronousProgress<IReadOnlyList<string>>(names =>
            journal.Record(null, "waiting_for_peers", $"waiting for peers [{string.Join(", ", names)}]", SiteJournal.Fields(("missing", names.ToArray()))));
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rendezvous = new PeerRendezvous(_exchange, _options.RendezvousPollInterval)
            .WaitForAsync(runId, peers, _options.EffectiveStartupTimeout, missing, stopWaiting.Token);

        // A local agent that fails for good while we wait ends the wait: its peers would wait on it in vain.
        var failure = FirstFailureAsync(running);
        if (await Task.WhenAny(rendezvous, failure).ConfigureAwait(false) == failure && await failure.ConfigureAwait(false) is { } failed)
        {
            await stopWaiting.CancelAsync().ConfigureAwait(false);
            throw slice.Failure(failed);
        }

        await rendezvous.ConfigureAwait(false);
        journal.Record(null, "peers_live", "all peers live", SiteJournal.Fields(("peers", peers.ToArray())));
    }

    /// <summary>The peers of the local agents that run on other sites: whom the rendezvous waits for and the peer watch watches.</summary>
    private static IReadOnlyList<string> RemotePeers(IReadOnlyList<CampaignAgent> agents)
    {
        var local = agents.Select(agent => agent.Name).ToHashSet(StringComparer.Ordinal);
        return agents.SelectMany(agent => agent.AllowedPeers).Where(peer => !local.Contains(peer)).Distinct(StringComparer.Ordinal).ToList();
    }

    private async Task KickOffAsync(string runId, IReadOnlyList<CampaignAgent> agents, SiteJournal journal, CancellationToken cancellationToken)
    {
        var initial = _options.Campaign.InitialAgent;
        var initialIsLocal = agents.Any(agent => agent.Name == initial);
        if (_options.Bootstrap && initialIsLocal)
        {
            var receipt = await CampaignBootstrap.SendAsync(_exchange, _options.Campaign, runId, initial, _options.EffectiveStartupTimeout, null, cancellationToken).ConfigureAwait(false);
            journal.Record(initial, "bootstrap_sent", $"bootstrap sent to {initial}",
                SiteJournal.Fields(("recipient", initial), ("message_id", receipt.MessageId.ToString()), ("duplicate", receipt.Duplicate)));
            return;
        }

        var reason = _options.Bootstrap
            ? $"the initial agent '{initial}' runs on another site; send the kickoff from there or with Send-SwarmBootstrap -RunId {runId}"
            : $"deferred to the operator: Send-SwarmBootstrap -RunId {runId} sends it";
        journal.Record(null, "bootstrap_skipped", $"bootstrap skipped: {reason}", SiteJournal.Fields(("reason", reason), ("initial_agent", initial)));
    }

    /// <summary>The first agent to fail for good, or null once every agent has ended well.</summary>
    /// <summary>The first failure of an agent whose failure fails the site (on_failure: stop_site), once every agent has ended or one has so failed.</summary>
    private async Task<AgentOutcome?> FirstFailureAsync(IReadOnlyList<Task<AgentOutcome>> running)
    {
        var pending = running.ToList();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var outcome = await done.ConfigureAwait(false);
            // An agent under on_failure: continue has its agent_failed event already; the site goes on without it.
            if (!outcome.Succeeded && _options.Campaign.Agents.FirstOrDefault(a => a.Name == outcome.Agent)?.OnFailure != AgentFailurePolicy.Continue)
            {
                return outcome;
            }
        }

        return null;
    }

    private async Task HeartbeatAsync(string runId, ISiteAgents slice, SiteJournal journal, CancellationToken cancellationToken)
    {
        var interval = _options.Campaign.Exchange.HeartbeatInterval;
        var reachable = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                foreach (var agent in slice.Running)
                {
                    await _exchange.HeartbeatAsync(AgentMailboxId.For(runId, agent), cancellationToken).ConfigureAwait(false);
                }

                if (!reachable)
                {
                    reachable = true;
                    journal.Record(null, "exchange_reachable", "exchange reachable again");
                }
            }
            catch (SwarmException error) when (ExchangeRetry.IsTransient(error))
            {
                if (reachable)
                {
                    reachable = false;
                    journal.Record(null, "exchange_unreachable", $"exchange unreachable, retrying: {error.Message}", SiteJournal.Fields(("error", error.ErrorId)));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Best effort: an unreachable exchange must not hide why the site ended.</summary>
    private async Task TerminateMailboxesAsync(string runId, IEnumerable<CampaignAgent> agents)
    {
        foreach (var agent in agents)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _exchange.TerminateAsync(AgentMailboxId.For(runId, agent.Name), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SwarmException or OperationCanceledException)
            {
                // Stop-SwarmSite terminates them later when the exchange is back.
            }
        }
    }
}
