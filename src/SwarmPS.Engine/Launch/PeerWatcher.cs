using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Watches the peers on other sites after the rendezvous, for as long as the site runs. A peer whose
/// heartbeat stamp has stood still for the campaign's <c>stale_after</c> is lost: the site records
/// <c>peer_lost</c> and a warning landmark naming it, and <c>peer_returned</c> if its heartbeat moves
/// again. Under <c>on_peer_lost: stop</c> the first loss ends the watch with the loss, and the
/// launcher stops its agents; under <c>continue</c> the watch goes on. A terminated mailbox is a peer
/// that ended deliberately (finished, or stopped by the operator), not one that was lost.
/// </summary>
public sealed class PeerWatcher
{
    public const string PeerLostErrorId = "PeerLost";

    private readonly IExchange _exchange;
    private readonly Campaign _campaign;
    private readonly SiteJournal _journal;

    public PeerWatcher(IExchange exchange, Campaign campaign, SiteJournal journal)
    {
        _exchange = exchange;
        _campaign = campaign;
        _journal = journal;
    }

    public TimeSpan StaleAfter => _campaign.Exchange.EffectiveStaleAfter;

    /// <summary>Often enough to see a loss well within stale_after, never more than once per heartbeat interval.</summary>
    public TimeSpan PollInterval
    {
        get
        {
            var sixth = StaleAfter / 6;
            var bounded = sixth < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : sixth;
            return bounded > _campaign.Exchange.HeartbeatInterval ? _campaign.Exchange.HeartbeatInterval : bounded;
        }
    }

    /// <summary>
    /// Returns the PeerLost error to stop with on the first loss under on_peer_lost: stop; otherwise
    /// watches until cancelled and returns null.
    /// </summary>
    public async Task<SwarmException?> UntilStopAsync(string runId, IReadOnlyCollection<string> peers, CancellationToken cancellationToken)
    {
        if (peers.Count == 0)
        {
            return null;
        }

        var names = peers.ToDictionary(peer => AgentMailboxId.For(runId, peer), peer => peer);
        var silence = new PeerSilence(names.Keys);
        var lost = new HashSet<Guid>();
        var ended = new HashSet<Guid>();
        var blind = false;
        try
        {
            while (true)
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                IReadOnlyList<MailboxStatus> statuses;
                try
                {
                    statuses = await _exchange.GetStatusAsync(names.Keys.ToList(), cancellationToken).ConfigureAwait(false);
                }
                catch (SwarmException error) when (ExchangeRetry.IsTransient(error))
                {
                    // The heartbeat loop already records exchange_unreachable; silence now is the exchange's, not the peers'.
                    blind = true;
                    continue;
                }

                if (blind)
                {
                    blind = false;
                    silence.Restart();
                }

                silence.Observe(statuses);
                ended.UnionWith(statuses.Where(status => status.State == MailboxState.Terminated).Select(status => status.Id));
                foreach (var (id, name) in names.Where(pair => !ended.Contains(pair.Key)))
                {
                    var silent = silence.SilentFor(id);
                    if (silent <= StaleAfter && lost.Remove(id))
                    {
                        _journal.Record(null, "peer_returned", $"peer {name} is heartbeating again",
                            SiteJournal.Fields(("peer", name), ("peer_id", id.ToString())));
                    }
                    else if (silent > StaleAfter && lost.Add(id))
                    {
                        var stop = _campaign.OnPeerLost == PeerLossPolicy.Stop;
                        _journal.Record(null, "peer_lost",
                            $"WARNING: peer {name}{SiteNote(name)} lost: no heartbeat for {silent.TotalSeconds:0.#} s (stale_after {StaleAfter.TotalSeconds:0.#} s); on_peer_lost: {(stop ? "stop, stopping this site's agents" : "continue")}",
                            SiteJournal.Fields(
                                ("peer", name), ("peer_id", id.ToString()), ("peer_site", PeerSite(name)),
                                ("silent_ms", (long)silent.TotalMilliseconds), ("stale_after_ms", (long)StaleAfter.TotalMilliseconds),
                                ("on_peer_lost", stop ? "stop" : "continue")));
                        if (stop)
                        {
                            return Lost(runId, name, silent);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private string? PeerSite(string name) => _campaign.SiteOf(name);

    private string SiteNote(string name) => PeerSite(name) is { } site ? $" (site {site})" : "";

    private SwarmException Lost(string runId, string name, TimeSpan silent) => new(
        PeerLostErrorId,
        $"Peer '{name}'{SiteNote(name)} of run '{runId}' stopped heartbeating ({silent.TotalSeconds:0.#} s without a heartbeat, stale_after {StaleAfter.TotalSeconds:0.#} s); the campaign says on_peer_lost: stop, so this site stopped its agents.",
        $"Find out why the peer's site went away (Get-SwarmAgent -RunId {runId} and its launcher log on that site), then start the run again; set on_peer_lost: continue to keep running without it, or raise exchange.stale_after if the peer is only slow.",
        SwarmErrorCategory.OperationStopped,
        name);
}
