using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Stops a recorded exchange process: SIGTERM first so it closes the store cleanly, SIGKILL after a
/// grace period (safe: every acknowledged write is already durable). Only a process whose pid and start
/// time both match the state file is signalled; the stopping itself is the shared <see cref="ProcessStopper"/>.
/// </summary>
public static class ExchangeProcess
{
    public static async Task<bool> StopAsync(ExchangeStateFile state, TimeSpan grace, CancellationToken cancellationToken)
    {
        // The state file's start time proves this pid is the exchange; the identity taken now carries that
        // proof into the stopper, which re-checks it before every signal.
        if (!state.IsRunning() || ProcessIdentity.TryOf(state.Pid) is not { } exchange)
        {
            return false;
        }

        await ProcessStopper.StopAsync(new[] { (exchange, false) }, grace, cancellationToken).ConfigureAwait(false);
        if (File.Exists(ExchangeStateFile.PathIn(state.StateDirectory)))
        {
            state.DeleteIfOwn();
        }

        return true;
    }
}
