using System.Diagnostics;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// A child process that lives on its own: an agent program, a detached site launcher or exchange
/// (<see cref="DetachedProcess"/>). Its output
/// goes straight to log files, not through a pipe to its parent, so it outlives a parent killed with -9
/// without dying of SIGPIPE (a later Stop-SwarmSite ends it). On Linux it leads its own process group
/// (setsid, <see cref="IProcessPlatform.SessionLeaderProgram"/>), so stopping it also stops whatever it spawned, and a closing terminal does not reach it.
/// </summary>
public sealed class LoggedProcess : IDisposable
{
    // $1 and $2 are the log files; the rest is the agent's argv, exec'd so the pid stays the agent's.
    private const string RedirectScript = "out=$1; err=$2; shift 2; exec \"$@\" >>\"$out\" 2>>\"$err\" </dev/null";

    private readonly Process _process;

    private LoggedProcess(Process process, ProcessIdentity identity, bool leadsGroup)
    {
        _process = process;
        Identity = identity;
        LeadsProcessGroup = leadsGroup;
    }

    public ProcessIdentity Identity { get; }

    public bool LeadsProcessGroup { get; }

    public static LoggedProcess Start(
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string?> environment,
        string workingDirectory,
        string stdoutLog,
        string stderrLog)
    {
        // The shell's >> would create the logs with the umask's mode (0644 by default); they are made
        // owner-only first, and >> then appends to them. An agent's output is its owner's alone.
        foreach (var log in new[] { stdoutLog, stderrLog })
        {
            OwnerOnly.CreateDirectory(Path.GetDirectoryName(log)!);
            OwnerOnly.CreateFile(log);
        }

        var setsid = ProcessPlatform.Current.SessionLeaderProgram;
        var start = new ProcessStartInfo(setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add("/bin/sh");
        }

        foreach (var argument in new[] { "-c", RedirectScript, "swarm-child", stdoutLog, stderrLog }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start)!;
        var identity = ProcessIdentity.TryOf(process.Id) ?? new ProcessIdentity(process.Id, 0);
        return new LoggedProcess(process, identity, setsid is not null);
    }

    /// <summary>Waits for the agent to exit and returns its exit code (128 + signal when a signal ended it).</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once it has exited (128 + signal when a signal ended it); null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public void Dispose() => _process.Dispose();
}
