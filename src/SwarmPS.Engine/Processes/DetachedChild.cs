namespace SwarmPS.Engine.Processes;

/// <summary>
/// One kind of detached child, as <see cref="DetachedProcess"/> starts it: what to run, where its output
/// goes, how its parent sees that it is ready, and how each way it can fail is reported to the operator.
/// </summary>
public abstract class DetachedChild<T>
    where T : class
{
    /// <summary>How long a child that is given up (Ctrl+C) gets between SIGTERM and SIGKILL.</summary>
    protected static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Changes to the inherited environment (null removes a variable); secrets travel here, never in argv.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public required string WorkingDirectory { get; init; }

    /// <summary>stdout and stderr, appended across starts (created owner-only).</summary>
    public required string Log { get; init; }

    /// <summary>What the operator calls it in an error: "exchange", "launcher of site 'alpha'".</summary>
    public required string Name { get; init; }

    /// <summary>The target of its errors: the directory it works in.</summary>
    public required string Target { get; init; }

    /// <summary>Whether the child (<paramref name="child"/>) is ready, has recorded a failure, or is still starting.</summary>
    public abstract DetachedReadiness<T> Probe(ProcessIdentity child);

    /// <summary>The error for a child that ended (or recorded a failure) without saying why in a <see cref="LaunchFailureLine"/>.</summary>
    public abstract SwarmException Ended(int? exitCode, string logTail);

    /// <summary>The error for a child that was not ready in time.</summary>
    public abstract SwarmException TimedOut(int pid, TimeSpan waited, string logTail);

    /// <summary>What the wait shows as progress.</summary>
    public virtual string Waiting(int pid, TimeSpan waited) => $"waiting for the detached {Name} (pid {pid}): {waited.TotalSeconds:0} s";

    /// <summary>Ends a child given up before it was ready, and what it started.</summary>
    public virtual async Task StopAsync(LoggedProcess child) =>
        await ProcessStopper.StopAsync(new[] { (child.Identity, child.LeadsProcessGroup) }, StopGrace).ConfigureAwait(false);
}
