namespace SwarmPS.Engine.Scheduler;

/// <summary>One array element as its scheduler reports it, mapped onto the states every scheduler shares.</summary>
public enum SchedulerElementState
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}
