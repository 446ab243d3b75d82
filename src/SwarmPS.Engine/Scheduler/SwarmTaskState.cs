namespace SwarmPS.Engine.Scheduler;

/// <summary>Where one task stands. Succeeded, Failed and Cancelled are final.</summary>
public enum SwarmTaskState : byte
{
    /// <summary>Its array was never accepted by the scheduler (a submit stopped half-way).</summary>
    NotSubmitted,
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
