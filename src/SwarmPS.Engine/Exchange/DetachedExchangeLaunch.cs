using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Starts an exchange that outlives the session that asked for it (Start-SwarmExchange without
/// -Foreground), the way every detached child starts (<see cref="DetachedProcess"/>): its own session, so
/// a closing terminal (SIGHUP) does not take it down, and everything it prints in &lt;stateDir&gt;/exchange.out.
/// The token travels in the inherited environment, never in argv. What the child runs is given by
/// <c>childCommand</c> (the cmdlet layer: pwsh running Start-SwarmExchange -Foreground); it returns once
/// that process has written the state file, or fails with the child's own error id.
/// </summary>
public static class DetachedExchangeLaunch
{
    /// <summary>
    /// Checks that the exchange can start (<see cref="ExchangeStartCheck"/>) before launching anything, so
    /// those errors reach the caller with their own ids, then starts the child and waits for it.
    /// </summary>
    public static async Task<ExchangeStateFile> StartAsync(
        ExchangeServerOptions options,
        Func<ExchangeServerOptions, IReadOnlyList<string>> childCommand,
        TimeSpan readyTimeout,
        IProgress<string>? waiting,
        CancellationToken cancellationToken)
    {
        ExchangeStartCheck.Run(options);
        // The child is told absolute paths: it may not share the caller's working directory.
        var absolute = options with { StateDirectory = Path.GetFullPath(options.StateDirectory) };
        var exchange = new Child(absolute)
        {
            Command = childCommand(absolute),
            WorkingDirectory = Environment.CurrentDirectory,
            Log = absolute.OutputPath,
            Name = "exchange",
            Target = absolute.StateDirectory,
        };
        return await DetachedProcess.StartAsync(exchange, readyTimeout, waiting, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The exchange is ready once the state file names this very process as running.</summary>
    private sealed class Child(ExchangeServerOptions options) : DetachedChild<ExchangeStateFile>
    {
        public override DetachedReadiness<ExchangeStateFile> Probe(ProcessIdentity child) =>
            ExchangeStateFile.Read(options.StateDirectory) is { } state && state.Pid == child.Pid && state.IsRunning()
                ? DetachedReadiness<ExchangeStateFile>.Of(state)
                : DetachedReadiness<ExchangeStateFile>.Starting;

        public override string Waiting(int pid, TimeSpan waited) => $"Waiting for it to listen: {waited.TotalSeconds:0} s";

        public override SwarmException Ended(int? exitCode, string logTail) => new(
            "ExchangeStartFailed",
            $"The exchange process exited with code {exitCode} before it was ready: {logTail}",
            $"Read '{options.OutputPath}'{(File.Exists(options.LogPath) ? $" and '{options.LogPath}'" : "")} for the details, fix the cause, and start again.",
            SwarmErrorCategory.ResourceUnavailable,
            options.StateDirectory);

        public override SwarmException TimedOut(int pid, TimeSpan waited, string logTail) => new(
            "ExchangeStartTimeout",
            $"The exchange process (pid {pid}) was not ready within {waited.TotalSeconds:0} s. Its output so far: {logTail}",
            $"Read '{options.OutputPath}' and '{options.LogPath}'; stop the process (kill {pid}) if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            options.StateDirectory);
    }
}
