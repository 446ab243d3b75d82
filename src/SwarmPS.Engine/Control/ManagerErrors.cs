using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>The errors of finding and claiming an agent manager (docs/errors.md, pillar Control); each says where the manager runs.</summary>
public static class ManagerErrors
{
    public static SwarmException AlreadyRunning(ManagerIdentity identity, ManagerRecord running) => new(
        "AgentManagerRunning",
        $"An {identity} already runs on host {running.Host} as pid {running.Pid}, since {ControlTime.Format(running.StartedAt)} (last heartbeat {ControlTime.Format(running.HeartbeatAt)}); at most one runs per user, site and namespace.",
        $"Use that one (Send-SwarmControl -Site {identity.Site} -Namespace {identity.Namespace}), stop it first with Stop-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace} on {running.Host}, or start one in another namespace.",
        SwarmErrorCategory.ResourceExists,
        identity.Directory);

    public static SwarmException MailboxLive(ManagerIdentity identity, MailboxStatus? mailbox, ManagerRecord? record) => new(
        "AgentManagerRunning",
        $"An {identity} is live on the exchange (mailbox {identity.MailboxId}, last heartbeat {(mailbox is null ? "unknown" : ControlTime.Format(mailbox.LastHeartbeat))})"
        + (record is null ? ", started from a machine whose record this one does not have" : $", recorded on host {record.Host} as pid {record.Pid}")
        + "; at most one runs per user, site and namespace.",
        $"Stop it where it runs (Stop-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace}); a manager that died elsewhere is free to replace once its mailbox has been silent for the exchange's heartbeat threshold.",
        SwarmErrorCategory.ResourceExists,
        identity.MailboxId);

    public static SwarmException NotFound(ManagerIdentity identity, MailboxStatus? mailbox, IReadOnlyList<string> otherNamespaces) => new(
        "AgentManagerNotFound",
        mailbox is { State: MailboxState.Terminated }
            ? $"The {identity} stopped at {ControlTime.Format(mailbox.LastHeartbeat)}; nothing answers commands there now."
            : $"No {identity} has ever registered on this exchange."
              + (otherNamespaces.Count > 0 ? $" This machine has managers of site '{identity.Site}' in namespace {string.Join(", ", otherNamespaces.Select(name => $"'{name}'"))}." : ""),
        otherNamespaces.Count > 0 && mailbox is null
            ? $"Pass the namespace it runs in (-Namespace {otherNamespaces[0]}, or SWARM_NAMESPACE), or start one with Start-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace} -Detach on the site."
            : $"Start one on the site: Start-SwarmAgentManager -Site {identity.Site} -Namespace {identity.Namespace} -Detach (and check -Site, -Namespace and the exchange URL).",
        SwarmErrorCategory.ObjectNotFound,
        identity.MailboxId);

    public static SwarmException NoReply(string receiver, Guid mailboxId, ControlCommand command, TimeSpan waited, MailboxStatus? mailbox) => new(
        "AgentManagerNoReply",
        $"The {receiver} (mailbox {mailboxId}) did not answer '{command.Command}' (correlation id {command.CorrelationId}) within {waited.TotalSeconds:0} s. "
        + (mailbox is null ? "Its mailbox is gone from the exchange." : $"Its mailbox is {mailbox.State.ToString().ToUpperInvariant()}, last heartbeat {ControlTime.Format(mailbox.LastHeartbeat)}."),
        $"Check it with Get-SwarmAgentManager (Stale means it died: start a new one with Start-SwarmAgentManager -Detach on the site); the command expired at {ControlTime.Format(command.ExpiresAt)} and will not run later. A retry with -CorrelationId {command.CorrelationId} is never executed twice.",
        SwarmErrorCategory.OperationTimeout,
        mailboxId);
}
