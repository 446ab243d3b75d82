namespace SwarmPS.Engine.Scheduler;

/// <summary>Where an allocation's batch job is, as Get-SwarmAgent shows it while the agents wait for it.</summary>
public enum AllocationJobState
{
    /// <summary>Waiting in the queue (pending, held): the rendezvous clock has not started.</summary>
    Queued,

    /// <summary>The job started; its ranks are starting or running the agents.</summary>
    Running,

    /// <summary>The scheduler no longer lists the job: it finished, failed or was cancelled.</summary>
    Ended,
}
