namespace SwarmPS.Engine.Processes;

/// <summary>
/// A platform where SwarmPS cannot identify, signal or detach processes (Windows, or any other
/// non-POSIX system): every use fails with ProcessPlatformNotSupported naming the platform and the fix.
/// What the operator does from such a machine without starting processes locally (the exchange
/// client, bootstrap, reading events) does not come here.
/// </summary>
public sealed class UnsupportedProcessPlatform : IProcessPlatform
{
    public UnsupportedProcessPlatform(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public long? ReadStartTicks(int pid) => throw NotSupported("identify a process by pid and start time");

    public bool IsZombie(int pid) => throw NotSupported("tell whether a process is running");

    public bool Kill(int pid, int signal) => throw NotSupported("signal a process");

    public (int Stop, int Continue) PauseSignals => throw NotSupported("pause a process");

    public string? SessionLeaderProgram => throw NotSupported("start a process in its own session");

    private SwarmException NotSupported(string what) => new(
        "ProcessPlatformNotSupported",
        $"SwarmPS cannot {what} on {Name}: site launchers, agents and a local exchange process need Linux (/proc, setsid) or macOS.",
        "Run the site on a Linux host: start it there (Start-SwarmSite -Site with the site's SSH settings, or log in and start it), and drive it from this machine with Send-SwarmBootstrap, Get-SwarmEvent and the exchange cmdlets, which need no local processes.",
        SwarmErrorCategory.InvalidOperation,
        Name);
}
