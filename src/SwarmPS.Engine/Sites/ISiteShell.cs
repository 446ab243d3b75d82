namespace SwarmPS.Engine.Sites;

/// <summary>
/// Runs commands on a site: in-process for the local machine, through the system OpenSSH client for a
/// remote login host (hence a site shell, not a remote one: <see cref="LocalShell"/> is one too). Scheduler adapters, preflight checks and launchers talk to a site only through this.
/// </summary>
public interface ISiteShell
{
    /// <summary>Where commands run, for messages: "local" or "user@host".</summary>
    string Target { get; }

    /// <summary>
    /// Runs one command and returns its exit code and output. A non-zero exit is a result, not an
    /// exception; failing to start the command at all (no such program, connection refused) is a
    /// <see cref="SwarmException"/>.
    /// </summary>
    Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default);
}
