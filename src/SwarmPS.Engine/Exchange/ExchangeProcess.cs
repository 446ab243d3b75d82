using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Stops a recorded exchange process: SIGTERM first so it closes the store cleanly, SIGKILL after a
/// grace period (safe: every acknowledged write is already durable). Only a process whose pid and start
/// time both match the state file is signalled.
/// </summary>
public static class ExchangeProcess
{
    private const int SigTerm = 15;

    public static async Task<bool> StopAsync(ExchangeStateFile state, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!state.IsRunning())
        {
            return false;
        }

        if (OperatingSystem.IsWindows() || Kill(state.Pid, SigTerm) != 0)
        {
            using var forced = System.Diagnostics.Process.GetProcessById(state.Pid);
            forced.Kill();
        }

        var deadline = DateTimeOffset.UtcNow + grace;
        while (state.IsRunning())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                using var stuck = System.Diagnostics.Process.GetProcessById(state.Pid);
                stuck.Kill(entireProcessTree: true);
                break;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(ExchangeStateFile.PathIn(state.StateDirectory)))
        {
            state.DeleteIfOwn();
        }

        return true;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
