using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Waits until every peer's mailbox is live on the exchange, looked up by the ids every site derives
/// (no registry, no lookup by name). Reports who is still missing at each change; an exchange that is
/// briefly unreachable is retried until the deadline, because sites start in any order and exchanges
/// restart. A peer is live when the exchange calls its mailbox ACTIVE, or when its heartbeat stamp
/// moves while we wait: the exchange's own threshold is fixed per server (30 s), and a campaign whose
/// heartbeat_interval is longer than that leaves a healthy mailbox INACTIVE between heartbeats.
/// </summary>
public sealed class PeerRendezvous
{
    private readonly IExchange _exchange;
    private readonly TimeSpan _pollInterval;

    public PeerRendezvous(IExchange exchange, TimeSpan? pollInterval = null)
    {
        _exchange = exchange;
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(250);
    }

    /// <summary>Returns when all are live; throws PeerDiscoveryTimeout listing each missing peer's name and id.</summary>
    public async Task WaitForAsync(
        string runId, IReadOnlyCollection<string> peers, TimeSpan timeout, IProgress<IReadOnlyList<string>>? missing, CancellationToken cancellationToken)
    {
        var ids = peers.ToDictionary(peer => AgentMailboxId.For(runId, peer), peer => peer);
        var deadline = DateTimeOffset.UtcNow + timeout;
        IReadOnlyList<string>? lastReported = null;
        string? lastProblem = null;
        var silence = new PeerSilence(ids.Keys);
        while (true)
        {
            var stillMissing = ids.Keys.ToHashSet();
            try
            {
                var live = await _exchange.GetStatusAsync(ids.Keys.ToList(), cancellationToken).ConfigureAwait(false);
                silence.Observe(live);
                stillMissing.ExceptWith(live
                    .Where(status => status.State == MailboxState.Active || (status.State == MailboxState.Inactive && silence.HasMoved(status.Id)))
                    .Select(status => status.Id));
                lastProblem = null;
            }
            catch (SwarmException error) when (error.Category is SwarmErrorCategory.ConnectionError or SwarmErrorCategory.ResourceUnavailable or SwarmErrorCategory.OperationTimeout)
            {
                lastProblem = error.Message;
            }

            var names = ids.Where(pair => stillMissing.Contains(pair.Key)).Select(pair => pair.Value).Order(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                return;
            }

            if (lastReported is null || !names.SequenceEqual(lastReported))
            {
                missing?.Report(names);
                lastReported = names;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var list = string.Join(", ", names.Select(name => $"{name} ({AgentMailboxId.For(runId, name)})"));
                throw new SwarmException(
                    "PeerDiscoveryTimeout",
                    $"These peers of run '{runId}' were not live after {timeout.TotalSeconds:0.#} s: {list}."
                        + (lastProblem is null ? "" : $" The exchange was not reachable at the last attempt: {lastProblem}"),
                    "Start the sites that host them (Start-SwarmSite -RunId with the same run id), check their logs, or raise startup_timeout / -StartupTimeout.",
                    SwarmErrorCategory.OperationTimeout,
                    names);
            }

            var pause = deadline - DateTimeOffset.UtcNow;
            await Task.Delay(pause < _pollInterval ? pause : _pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
