using System.Diagnostics;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// How long each peer's last-heartbeat stamp has stood still, measured on this machine's own
/// monotonic clock. Comparing the exchange's stamp with the local wall clock would fold in the skew
/// between the exchange host and this one (they are different centres); watching whether the stamp
/// moves needs no shared clock. That is also how a per-campaign threshold works against an exchange
/// that serves many campaigns with one fixed ACTIVE/INACTIVE threshold of its own: the server's flag
/// is not consulted at all.
/// </summary>
public sealed class PeerSilence
{
    private readonly Stopwatch _clock;
    private readonly Dictionary<Guid, (DateTimeOffset? First, DateTimeOffset? Stamp, TimeSpan MovedAt)> _peers;

    public PeerSilence(IEnumerable<Guid> peers, Stopwatch? clock = null)
    {
        _clock = clock ?? Stopwatch.StartNew();
        _peers = peers.ToDictionary(id => id, _ => ((DateTimeOffset?)null, (DateTimeOffset?)null, _clock.Elapsed));
    }

    /// <summary>Takes one look at the peers' mailboxes; a peer missing from <paramref name="statuses"/> stays silent.</summary>
    public void Observe(IEnumerable<MailboxStatus> statuses)
    {
        foreach (var status in statuses)
        {
            if (_peers.TryGetValue(status.Id, out var seen) && seen.Stamp != status.LastHeartbeat)
            {
                _peers[status.Id] = (seen.First ?? status.LastHeartbeat, status.LastHeartbeat, _clock.Elapsed);
            }
        }
    }

    /// <summary>
    /// Starts every peer's silence afresh: after a stretch in which the exchange could not be read,
    /// the peers could not heartbeat either, so that stretch says nothing about them.
    /// </summary>
    public void Restart()
    {
        foreach (var id in _peers.Keys.ToList())
        {
            _peers[id] = _peers[id] with { MovedAt = _clock.Elapsed };
        }
    }

    /// <summary>How long the peer's stamp has not moved (since watching began if it was never seen).</summary>
    public TimeSpan SilentFor(Guid peer) => _clock.Elapsed - _peers[peer].MovedAt;

    /// <summary>Whether the stamp has moved since watching began: the peer heartbeat while we looked.</summary>
    public bool HasMoved(Guid peer) => _peers[peer] is { First: { } first, Stamp: { } stamp } && stamp != first;
}
