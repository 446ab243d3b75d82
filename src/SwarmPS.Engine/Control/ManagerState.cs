namespace SwarmPS.Engine.Control;

/// <summary>What Get-SwarmAgentManager makes of a manager's mailbox and record.</summary>
public enum ManagerState
{
    /// <summary>Heartbeating: commands are answered.</summary>
    Running,

    /// <summary>Silent past the threshold (three heartbeats), or its recorded process is gone: it died without stopping; commands time out.</summary>
    Stale,

    /// <summary>Stopped cleanly (its mailbox is terminated).</summary>
    Stopped,
}
