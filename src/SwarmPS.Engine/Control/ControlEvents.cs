namespace SwarmPS.Engine.Control;

/// <summary>The event kinds control writes (docs/control-protocol.md "Events"), in a manager's events.jsonl or a workflow agent's site's.</summary>
public static class ControlEvents
{
    /// <summary>Every command received, accepted or refused: who (as the sender says) and what, never the token or the MAC.</summary>
    public const string Command = "control_command";

    /// <summary>The outcome of an accepted command: ok, or the error id it was refused with while running.</summary>
    public const string Reply = "control_reply";

    public const string ManagerStarted = "manager_started";

    public const string ManagerStopped = "manager_stopped";

    /// <summary>The manager's slice changed state: run_id, from, to.</summary>
    public const string Lifecycle = "lifecycle";

    public const string Agent = "agent-manager";
}
