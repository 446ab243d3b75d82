namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Where a whole sweep stands, from the counts of its tasks' latest attempts. Declared in alphabetical
/// order on purpose: <c>Sort-Object State</c> orders by the enum's value, and it ordered by these words
/// when the state was a string.
/// </summary>
public enum SwarmJobState
{
    /// <summary>Ended after Stop-SwarmJob stopped its latest attempt, and some tasks did not succeed.</summary>
    Cancelled,

    /// <summary>Ended, and some tasks failed or were cancelled.</summary>
    Failed,

    /// <summary>Some arrays were never accepted by the scheduler (a submit stopped half-way).</summary>
    Incomplete,

    /// <summary>Nothing running yet, some tasks waiting.</summary>
    Queued,

    /// <summary>Some tasks running.</summary>
    Running,

    /// <summary>Every task succeeded.</summary>
    Succeeded,
}
