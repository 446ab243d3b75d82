namespace SwarmPS.Engine.Exchange;

/// <summary>Liveness of a mailbox as DESIGN.md defines it; the wire spells these in capitals.</summary>
public enum MailboxState
{
    /// <summary>Heartbeat seen within the threshold.</summary>
    Active,

    /// <summary>No heartbeat for longer than the threshold: the agent is probably gone.</summary>
    Inactive,

    /// <summary>The agent or operator ended it; it takes no new messages.</summary>
    Terminated,
}
