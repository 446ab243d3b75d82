namespace SwarmPS.Engine.Events;

/// <summary>
/// The event kinds a launch writes, in the order of docs/launch.md's table (roughly the order of a
/// launch), for Get-SwarmEvent -Kind completion. Agents may write kinds of their own; message_sent and
/// message_received are the two the docs name. A test keeps this list and the table the same.
/// </summary>
public static class EventKinds
{
    public static readonly IReadOnlyList<string> Documented = new[]
    {
        "site_starting", "allocation_notice", "allocation_submitted", "allocation_queued", "allocation_running",
        "mailboxes_registered", "agent_started", "waiting_for_peers", "peers_live",
        "bootstrap_sent", "bootstrap_skipped", "peer_lost", "peer_returned", "agent_exited", "agent_restarting", "agent_failed",
        "exchange_unreachable", "exchange_reachable", "agents_stopped", "allocation_unreachable", "allocation_ended",
        "allocation_cancelled", "allocation_cancel_failed", "site_finished", "site_failed",
        "site_stopped", "message_sent", "message_received",
    };
}
