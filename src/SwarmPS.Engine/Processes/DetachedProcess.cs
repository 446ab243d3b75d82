using System.Diagnostics;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// The one way SwarmPS starts a process that outlives its caller (Start-SwarmSite -Detach, Start-SwarmExchange)
/// and waits until it is ready. The child is a <see cref="LoggedProcess"/>: its own session (setsid, so a
/// closing terminal does not end it), stdin from /dev/null, stdout and stderr appended to one owner-only
/// log, so nothing reaches the caller's terminal, where a script could not catch it. A child that fails
/// writes one <see cref="LaunchFailureLine"/>, and its own error id and remediation come back to the
/// caller; without one the error quotes the end of the log. Either way only the lines this start wrote
/// are quoted: the log is appended across starts. Ctrl+C before the child is ready ends it.
/// </summary>
public static class DetachedProcess
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a child that recorded its failure may take to exit before its log is read anyway.</summary>
    private static readonly TimeSpan ExitAfterFailure = TimeSpan.FromSeconds(10);

    /// <summary>How many of the log's last lines an error quotes.</summary>
    private const int TailLines = 5;

    /// <summary>How much of the end of this start's log is read for the failure line and the tail.</summary>
    private const long MaxLogRead = 64 * 1024;

    public static async Task<T> StartAsync<T>(DetachedChild<T> child, TimeSpan readyTimeout, IProgress<string>? waiting, CancellationToken cancellationToken)
        where T : class
    {
        var logStart = File.Exists(child.Log) ? new FileInfo(child.Log).Length : 0;
        using var process = LoggedProcess.Start(child.Command, child.Environment, child.WorkingDirectory, child.Log, child.Log);
        var pid = process.Identity.Pid;
        var waited = Stopwatch.StartNew();
        waiting?.Report(child.Waiting(pid, TimeSpan.Zero));
        TimeSpan? failedAt = null;
        try
        {
            while (waited.Elapsed < readyTimeout)
            {
                var readiness = child.Probe(process.Identity);
                if (readiness.Ready is { } ready)
                {
                    return ready;
                }

                failedAt ??= readiness.Failed ? waited.Elapsed : null;
                if (process.HasExited || waited.Elapsed - failedAt > ExitAfterFailure)
                {
                    throw Failure(child, process.ExitCode, Since(child.Log, logStart));
                }

                var second = (int)waited.Elapsed.TotalSeconds;
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                if ((int)waited.Elapsed.TotalSeconds > second)
                {
                    waiting?.Report(child.Waiting(pid, waited.Elapsed));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C before the child was ready means "do not start it": end it and whatever it started.
            await child.StopAsync(process).ConfigureAwait(false);
            throw;
        }

        throw child.TimedOut(pid, readyTimeout, Tail(Since(child.Log, logStart)));
    }

    private static SwarmException Failure<T>(DetachedChild<T> child, int? exitCode, IReadOnlyList<string> log)
        where T : class
    {
        if (LaunchFailureLine.LastIn(log) is not { } reported)
        {
            return child.Ended(exitCode, Tail(log));
        }

        // A SwarmPS error: the child ran the same engine, so its id and remediation are the real ones.
        return new SwarmException(
            reported.ErrorId,
            $"{reported.Message} (The detached {child.Name} stopped with this error; its output is in '{child.Log}'.)",
            reported.Remediation,
            reported.Category,
            child.Target);
    }

    /// <summary>
    /// The lines written to <paramref name="file"/> from byte <paramref name="start"/> on, at most the last
    /// <see cref="MaxLogRead"/> bytes of them: a child that floods its log before failing must not make the
    /// caller read all of it to quote five lines.
    /// </summary>
    private static IReadOnlyList<string> Since(string file, long start)
    {
        if (!File.Exists(file))
        {
            return Array.Empty<string>();
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(Math.Max(start, stream.Length - MaxLogRead), stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The last lines of this start's output, one line of text; the failure line is reported apart.</summary>
    private static string Tail(IReadOnlyList<string> log)
    {
        var lines = log.Where(line => !line.StartsWith(LaunchFailureLine.Marker, StringComparison.Ordinal)).Select(line => line.TrimEnd('\r')).ToList();
        return lines.Count == 0 ? "(no output)" : string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - TailLines)));
    }
}
