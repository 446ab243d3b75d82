namespace SwarmPS.Engine.Processes;

/// <summary>
/// What identifying, signalling and detaching a process needs from the operating system: the one
/// seam between SwarmPS's process handling and the platform (Linux's /proc and setsid, macOS's
/// runtime start time). <see cref="ProcessPlatform.Current"/> picks the implementation once.
/// </summary>
public interface IProcessPlatform
{
    /// <summary>The platform's name, for messages.</summary>
    string Name { get; }

    /// <summary>When the process holding <paramref name="pid"/> started, in a unit fixed per platform; null when no such process.</summary>
    long? ReadStartTicks(int pid);

    /// <summary>True when the process has exited but not been reaped (it still has a pid, but is not running).</summary>
    bool IsZombie(int pid);

    /// <summary>kill(2): a negative pid signals the process group it leads. Returns whether it was sent.</summary>
    bool Kill(int pid, int signal);

    /// <summary>SIGSTOP and SIGCONT, whose numbers differ between Linux and macOS (a failure drill pauses a contributor with them).</summary>
    (int Stop, int Continue) PauseSignals { get; }

    /// <summary>The program that starts a child in its own session and process group (setsid), or null where there is none.</summary>
    string? SessionLeaderProgram { get; }
}
