namespace SwarmPS.Engine.Processes;

/// <summary>
/// Ends recorded processes the polite way: SIGTERM (to the whole process group when the process leads
/// one), a grace period, then SIGKILL. Only the exact recorded process is ever signalled
/// (<see cref="ProcessIdentity"/>), so a recycled pid is left alone.
/// </summary>
public static class ProcessStopper
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    /// <summary>Stops every process given; returns those that were running and are now gone.</summary>
    public static async Task<IReadOnlyList<ProcessIdentity>> StopAsync(
        IReadOnlyCollection<(ProcessIdentity Process, bool LeadsGroup)> processes, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var running = processes.Where(entry => entry.Process.IsAlive).ToList();
        foreach (var (process, leadsGroup) in running)
        {
            Signal(process, leadsGroup, ProcessIdentity.SignalTerminate);
        }

        var deadline = DateTime.UtcNow + grace;
        while (running.Any(entry => entry.Process.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (process, leadsGroup) in running.Where(entry => entry.Process.IsAlive))
        {
            Signal(process, leadsGroup, ProcessIdentity.SignalKill);
        }

        // SIGKILL is not instantaneous either; give the kernel a moment before reporting.
        var killDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (running.Any(entry => entry.Process.IsAlive) && DateTime.UtcNow < killDeadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return running.Select(entry => entry.Process).Where(process => !process.IsAlive).ToList();
    }

    private static void Signal(ProcessIdentity process, bool leadsGroup, int signal)
    {
        if (leadsGroup)
        {
            process.SignalGroup(signal);
        }

        process.Signal(signal);
    }
}
