using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Ends reverse tunnels from their records (<see cref="ReverseTunnelRecord"/>), for the two moments a
/// launch needs it: stop ends every tunnel of its record directory (<see cref="CloseAllAsync"/>), and start
/// first ends the orphans a killed opener left behind (<see cref="CleanStaleAsync"/>). Only the exact
/// recorded ssh (pid and start time) is ever signalled: a record whose pid now belongs to another process
/// only loses its file.
/// </summary>
public static class ReverseTunnelCleaner
{
    /// <summary>Ends every recorded tunnel in the directory; returns the records that were removed.</summary>
    public static async Task<IReadOnlyList<ReverseTunnelRecord>> CloseAllAsync(string recordDirectory, CancellationToken cancellationToken = default)
    {
        var removed = new List<ReverseTunnelRecord>();
        foreach (var (file, record) in ReverseTunnelRecord.ReadAll(recordDirectory))
        {
            await EndAsync(file, record, recordDirectory, cancellationToken).ConfigureAwait(false);
            removed.Add(record);
        }

        return removed;
    }

    /// <summary>
    /// Ends tunnels whose opener is gone (killed, crashed) and drops records whose ssh is gone; a tunnel
    /// whose opener still runs is in use and is left alone. Returns the records that were removed.
    /// </summary>
    public static async Task<IReadOnlyList<ReverseTunnelRecord>> CleanStaleAsync(string recordDirectory, CancellationToken cancellationToken = default)
    {
        var removed = new List<ReverseTunnelRecord>();
        foreach (var (file, record) in ReverseTunnelRecord.ReadAll(recordDirectory))
        {
            if (record.Ssh.IsAlive && record.Opener.IsAlive)
            {
                continue;
            }

            await EndAsync(file, record, recordDirectory, cancellationToken).ConfigureAwait(false);
            removed.Add(record);
        }

        return removed;
    }

    internal static async Task EndAsync(string file, ReverseTunnelRecord record, string recordDirectory, CancellationToken cancellationToken)
    {
        // The ssh leads its own process group (LoggedProcess), and ProcessStopper checks the identity
        // before every signal, so a pid reused by an unrelated process is never touched.
        await ProcessStopper.StopAsync(new[] { (record.Ssh, true) }, ProcessStopper.DefaultGrace, cancellationToken).ConfigureAwait(false);
        File.Delete(file);
        File.Delete(ReverseTunnelRecord.LogPathFor(recordDirectory, record.Id));
    }
}
