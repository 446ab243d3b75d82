using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Get-SwarmEvent -RunId -Site &lt;remote&gt; -Follow: a remote site's events.jsonl followed over SSH until the
/// site reaches a final state (or its launcher is gone), merged across sites by timestamp per poll.
/// </summary>
/// <remarks>
/// Why a poll of new bytes from an offset and not <c>tail -f</c> over one long ssh session: a <c>tail -f</c>
/// whose connection drops (or whose ssh client is killed by Ctrl+C) is left running on the login node until
/// it next writes into the dead pipe, which for a quiet site may be never; and a dropped connection would end
/// the follow. Each poll here is one short, bounded command (<c>tail -c +N | dd count=.. | od -An -v -tx1</c>) that
/// ends by itself whatever happens to the connection, so nothing of ours outlives a poll on the far side; a
/// failed poll is retried from the same offset (a flaky link delays events, it neither loses nor repeats
/// them), and only <see cref="MaxConsecutiveFailures"/> failures in a row end the follow with an error.
/// The bytes travel as od's hex (POSIX, unlike base64 or head -c, so any login node has it) so a multi-byte
/// character cut at the end of a poll is never decoded half:
/// lines are split on bytes, as the local reader does (EventTimeline), and each complete line is parsed by
/// the same <see cref="SwarmEvent.TryParse"/>; an unparsable line is reported, not shown.
/// </remarks>
public static class RemoteEventFollow
{
    /// <summary>Polls that fail in a row (ssh down, timeout) before the follow gives up.</summary>
    public const int MaxConsecutiveFailures = 10;

    /// <summary>At most this many new bytes per site per poll (dd blocks of 4 KiB); a site with more is polled again at once.</summary>
    public const int MaxBytesPerPoll = 1 << 20;

    private const int BlockBytes = 4096;

    private const string StatusMark = "@@swarmps-status@@";
    private const string AliveMark = "@@swarmps-alive@@";
    private const string SizeMark = "@@swarmps-size@@";
    private const string BytesMark = "@@swarmps-bytes@@";

    // One round trip: the status first, then the launcher's liveness, then the bytes. Reading the bytes last
    // means a final state seen in this poll comes with every event written before it.
    private const string PollScript = "[ -f \"$1\" ] || exit 3; echo " + StatusMark + "; cat \"$1\"; echo; echo " + AliveMark + "; "
        + "if [ -n \"$3\" ] && kill -0 \"$3\" 2>/dev/null; then echo yes; else echo no; fi; echo " + SizeMark + "; "
        + "if [ -f \"$2\" ]; then wc -c < \"$2\"; else echo 0; fi; echo " + BytesMark + "; "
        + "if [ -f \"$2\" ]; then tail -c +$(($4 + 1)) \"$2\" | dd bs=\"$6\" count=\"$5\" 2>/dev/null | od -An -v -tx1; fi; true";

    /// <summary>
    /// Every event of the remote sites' launches so far, then new ones as they are written, until every site
    /// has ended or <paramref name="cancellationToken"/> is cancelled (which ends the enumeration quietly).
    /// </summary>
    public static IAsyncEnumerable<SwarmEvent> FollowAsync(
        IReadOnlyList<SiteProfile> sites,
        string runId,
        EventFilter filter,
        TimeSpan pollInterval,
        Action<string>? unreadableLine,
        CancellationToken cancellationToken = default) =>
        FollowAsync(sites, RemoteSiteRun.ShellFor, runId, filter, pollInterval, unreadableLine, cancellationToken);

    /// <summary>As above, each site's commands run through <paramref name="shellFor"/> (tests put a link that drops polls in between).</summary>
    internal static async IAsyncEnumerable<SwarmEvent> FollowAsync(
        IReadOnlyList<SiteProfile> sites,
        Func<SiteProfile, ISiteShell> shellFor,
        string runId,
        EventFilter filter,
        TimeSpan pollInterval,
        Action<string>? unreadableLine,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursors = new List<SiteCursor>();
        foreach (var site in sites)
        {
            var shell = shellFor(site);
            var login = await RemoteLogin.ProbeAsync(shell, cancellationToken).ConfigureAwait(false);
            cursors.Add(new SiteCursor(site.Name, shell, login, RemoteSiteRun.Layout(site, login, runId)));
        }

        while (cursors.Any(cursor => !cursor.Ended))
        {
            var events = new List<SwarmEvent>();
            var morePending = false;
            foreach (var cursor in cursors.Where(cursor => !cursor.Ended))
            {
                IReadOnlyList<string> lines;
                try
                {
                    lines = await cursor.PollAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                foreach (var line in lines)
                {
                    if (SwarmEvent.TryParse(line, cursor.Site, out var parsed))
                    {
                        events.Add(parsed!);
                    }
                    else if (line.Trim().Length > 0)
                    {
                        unreadableLine?.Invoke($"{cursor.Shell.Target}:{cursor.Layout.EventsFile}: not an event: {Truncate(line)}");
                    }
                }

                morePending |= cursor.MorePending;
            }

            // OrderBy is stable: equal timestamps keep each site's file order.
            foreach (var swarmEvent in events.OrderBy(e => e.Timestamp).Where(filter.Matches))
            {
                yield return swarmEvent;
            }

            if (morePending || cursors.All(cursor => cursor.Ended))
            {
                continue;
            }

            try
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private static string Truncate(string line) => line.Length <= 120 ? line : line[..120] + "...";

    /// <summary>One remote site's events file: how far it has been read, the line still being written, whether the site has ended.</summary>
    private sealed class SiteCursor(string site, ISiteShell shell, RemoteLogin login, SiteRunLayout layout)
    {
        private long _offset;
        private byte[] _partialLine = Array.Empty<byte>();
        private int _failures;
        private int? _launcherPid;
        private bool _finalSeen;

        public string Site => site;

        public ISiteShell Shell => shell;

        public SiteRunLayout Layout => layout;

        /// <summary>The site reached a final state (or its launcher died) and every byte written before that has been read.</summary>
        public bool Ended => _finalSeen && !MorePending;

        /// <summary>The file held more than one poll's worth of new bytes.</summary>
        public bool MorePending { get; private set; }

        /// <summary>The complete new lines since the last poll (none when this poll failed and will be retried).</summary>
        public async Task<IReadOnlyList<string>> PollAsync(CancellationToken cancellationToken)
        {
            var result = await shell.RunAsync(new ShellCommand(
                "sh", "-c", PollScript, "sh", layout.StatusFile, layout.EventsFile, _launcherPid?.ToString(CultureInfo.InvariantCulture) ?? "",
                _offset.ToString(CultureInfo.InvariantCulture), (MaxBytesPerPoll / BlockBytes).ToString(CultureInfo.InvariantCulture),
                BlockBytes.ToString(CultureInfo.InvariantCulture))
            {
                Timeout = TimeSpan.FromSeconds(30),
            }, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 3)
            {
                throw new SwarmException(
                    "RunNotFound",
                    $"No site '{layout.Site}' of run '{layout.RunId}' was started on {shell.Target} (looked in: {layout.SiteDirectory}).",
                    "Check the run id (it is the same on every site) and the site name; a remote site's run lives under its profile's run_root on the login host.",
                    SwarmErrorCategory.ObjectNotFound,
                    layout.RunId);
            }

            var poll = result.Succeeded ? Parse(result.StandardOutput) : null;
            if (poll is null)
            {
                // A dropped connection or a cut-off reply: read again from the same offset next time.
                if (++_failures >= MaxConsecutiveFailures)
                {
                    throw RemoteLogin.RemoteShellFailed(shell, $"follow the events of site '{site}' ({_failures} polls in a row failed)", result);
                }

                MorePending = false;
                return Array.Empty<string>();
            }

            _failures = 0;
            var status = SiteStatusFile.Parse(poll.Value.StatusJson, $"{shell.Target}:{layout.StatusFile}");
            // A pid means something only on the host that started it: behind a round-robin alias another node may answer.
            var launcherHere = status.Launcher is { } launcher && (launcher.Host is null || string.Equals(launcher.Host, login.HostName, StringComparison.OrdinalIgnoreCase));
            var launcherGone = _launcherPid is not null && launcherHere && !poll.Value.LauncherAlive;
            _launcherPid = launcherHere ? status.Launcher!.Pid : null;
            _finalSeen |= status.State is SiteState.Finished or SiteState.Failed or SiteState.Stopped || launcherGone;

            if (poll.Value.Size < _offset)
            {
                // Truncated or replaced: start again from its beginning, as the local reader does.
                _offset = 0;
                _partialLine = Array.Empty<byte>();
                MorePending = true;
                return Array.Empty<string>();
            }

            var bytes = poll.Value.Bytes;
            _offset += bytes.Length;
            MorePending = poll.Value.Size > _offset;
            var combined = _partialLine.Length == 0 ? bytes : _partialLine.Concat(bytes).ToArray();
            var lastNewline = Array.LastIndexOf(combined, (byte)'\n');
            _partialLine = combined[(lastNewline + 1)..];
            return lastNewline < 0 ? Array.Empty<string>() : Encoding.UTF8.GetString(combined, 0, lastNewline).Split('\n');
        }

        /// <summary>The poll's reply, or null when it is not whole (a reply cut by a dropped connection is retried, never half-used).</summary>
        private static (string StatusJson, bool LauncherAlive, long Size, byte[] Bytes)? Parse(string output)
        {
            var status = output.IndexOf(StatusMark + "\n", StringComparison.Ordinal);
            var alive = output.IndexOf("\n" + AliveMark + "\n", StringComparison.Ordinal);
            var size = output.IndexOf("\n" + SizeMark + "\n", StringComparison.Ordinal);
            var bytes = output.IndexOf("\n" + BytesMark + "\n", StringComparison.Ordinal);
            if (status < 0 || alive < 0 || size < alive || bytes < size
                || !long.TryParse(output[(size + SizeMark.Length + 2)..bytes].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                return null;
            }

            var statusJson = output[(status + StatusMark.Length + 1)..alive].Trim();
            // od -An -v -tx1: two hex digits per byte, separated by blanks and newlines.
            var hex = string.Concat(output[(bytes + BytesMark.Length + 2)..].Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
            try
            {
                return statusJson.Length == 0
                    ? null // the launcher is rewriting status.json at this instant: read again
                    : (statusJson, output[alive..size].Contains("yes", StringComparison.Ordinal), length, Convert.FromHexString(hex));
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
