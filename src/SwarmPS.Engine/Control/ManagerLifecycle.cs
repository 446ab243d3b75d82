namespace SwarmPS.Engine.Control;

/// <summary>
/// The manager's view of a slice it started (docs/control-protocol.md "Agent manager commands"): each change
/// is a <c>lifecycle</c> event in its events.jsonl.
/// </summary>
public enum ManagerLifecycle
{
    Stopped,
    Starting,
    Running,
    Stopping,
}
