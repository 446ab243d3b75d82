using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Control;

/// <summary>One agent manager as Get-SwarmAgentManager and Start-SwarmAgentManager show it: where, whose, whether it answers, and what it runs.</summary>
public sealed record AgentManagerInfo
{
    public required string Namespace { get; init; }

    public required string Site { get; init; }

    public required string User { get; init; }

    public required ManagerState State { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>Host and pid from its record, when this machine has it (a manager of a remote site keeps its record there).</summary>
    public string? Host { get; init; }

    public int? Pid { get; init; }

    /// <summary>The slices it started that are not Stopped: "chat-007 (Running)".</summary>
    public string Running { get; init; } = "";

    public IReadOnlyList<ManagedRun> Runs { get; init; } = Array.Empty<ManagedRun>();

    public Guid MailboxId { get; init; }

    /// <summary>Its files (manager.json, events.jsonl, handled.jsonl, manager.log), when on this machine.</summary>
    public string? Directory { get; init; }

    public static AgentManagerInfo From(ManagerIdentity identity, MailboxStatus? mailbox, ManagerRecord? record, DateTimeOffset now)
    {
        var silent = mailbox is null ? (TimeSpan?)null : mailbox.SilentFor ?? now - mailbox.LastHeartbeat;
        var recordedDead = record?.DiedHere == true;
        var state = mailbox switch
        {
            // A record that says running with no mailbox: the exchange lost it (or is another one); nothing answers.
            null => record is { Running: true } ? ManagerState.Stale : ManagerState.Stopped,
            { State: MailboxState.Terminated } => ManagerState.Stopped,
            { State: MailboxState.Inactive } => ManagerState.Stale,
            _ => recordedDead || silent > ManagerOptions.StaleAfter ? ManagerState.Stale : ManagerState.Running,
        };
        var runs = record?.Runs ?? Array.Empty<ManagedRun>();
        return new AgentManagerInfo
        {
            Namespace = identity.Namespace,
            Site = identity.Site,
            User = identity.User,
            State = state,
            LastHeartbeat = mailbox?.LastHeartbeat ?? record?.HeartbeatAt,
            Host = record?.Host,
            Pid = record?.Pid,
            Running = string.Join(", ", runs.Where(run => run.Lifecycle != ManagerLifecycle.Stopped).Select(run => $"{run.RunId} ({run.Lifecycle})")),
            Runs = runs,
            MailboxId = identity.MailboxId,
            Directory = record is null ? null : identity.Directory,
        };
    }
}
