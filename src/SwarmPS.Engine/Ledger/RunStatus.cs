namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Where a run is in its life. The first three are live; the last four are terminal: a terminal run
/// is promoted to the ledger and never changes status again.
/// </summary>
public enum RunStatus
{
    Created,
    Queued,
    Running,
    Complete,
    Failed,
    Abandoned,
    Stopped,
}
