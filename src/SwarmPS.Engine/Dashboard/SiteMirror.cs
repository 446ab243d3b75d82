using System.Diagnostics;
using System.Globalization;
using System.Text;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The dashboard's copy of one remote site's directory (<c>&lt;runRoot&gt;/&lt;runId&gt;/&lt;site&gt;/</c> on its
/// login host, docs/dashboard.md "Where the data comes from"), kept up to date incrementally over SSH in a local
/// directory that the dashboard reads as it reads a local site.
/// </summary>
/// <remarks>
/// A poll is one bounded ssh round trip (<see cref="MirrorReply"/>), as <c>Get-SwarmEvent -Follow</c>'s
/// (RemoteEventFollow) is, and for the same reasons: nothing of ours outlives a poll on the far side, and a poll
/// that fails is simply made again from the same place. It costs the new bytes plus a line per file, never the
/// bytes already copied: what this side has is told to the remote as each append-only file's local length (read
/// from the file system each poll, so a restarted mirror resumes where its copy ends) and each other file's size
/// and cksum as last copied; <c>*.jsonl</c> and <c>*.log</c> get only their bytes past the local length (from 0
/// again when the remote one got shorter: truncated or replaced), at most <see cref="MirrorReply.MaxFileBytes"/>
/// a file a poll; other files are replaced whole (temp + rename) when their size or cksum changed.
/// Files removed remotely stay in the copy. Entries not copied (odd names, links, oversized JSON, a file that
/// could not be written here) are listed once each in <see cref="Skipped"/>; they do not change <see cref="Status"/>.
/// Polls run one at a time; <see cref="Status"/>, <see cref="Connection"/> and <see cref="Skipped"/> may be read
/// from any thread.
/// </remarks>
public sealed class SiteMirror : IAsyncDisposable
{
    /// <summary>A poll that takes longer than this is ended and counts as unreachable.</summary>
    public static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The longest wait between polls while the login host is unreachable.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>More skipped entries than this are not listed (a hostile site could name millions).</summary>
    public const int MaxSkipped = 1000;

    private readonly MirrorConnection _connection;
    private readonly string _runId;
    private readonly string _remoteDirectory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, string> _copiedWhole = new(StringComparer.Ordinal);
    private readonly object _skippedLock = new();
    private readonly List<MirrorSkip> _skipped = [];
    private readonly HashSet<string> _skippedPaths = new(StringComparer.Ordinal);
    private volatile MirrorStatus _status = new(MirrorState.Connecting, null, null, 0, 0);
    private volatile bool _disposed;

    private SiteMirror(string site, string runId, string remoteDirectory, string directory, MirrorConnection connection)
    {
        Site = site;
        _runId = runId;
        _remoteDirectory = remoteDirectory;
        Directory = directory;
        _connection = connection;
    }

    public string Site { get; }

    /// <summary>The local copy.</summary>
    public string Directory { get; }

    public MirrorStatus Status => _status;

    /// <summary>This mirror's own ssh master once started; null before, after it died or was stopped, and for a profile with ControlPath none.</summary>
    public ProcessIdentity? Connection => _connection.Master;

    /// <summary>Remote entries not copied, each once, in the order first seen.</summary>
    public IReadOnlyList<MirrorSkip> Skipped
    {
        get
        {
            lock (_skippedLock)
            {
                return _skipped.ToList();
            }
        }
    }

    /// <summary>
    /// A mirror of <paramref name="site"/>'s directory of run <paramref name="runId"/> into
    /// <paramref name="mirrorDirectory"/> (created 0700 at the first poll), its ssh control socket in
    /// <paramref name="controlDirectory"/> (a private folder of this mirror's). No I/O.
    /// </summary>
    public static SiteMirror Create(SiteProfile site, string runId, string mirrorDirectory, string controlDirectory)
    {
        var ssh = site.Ssh ?? throw new SwarmException(
            "SiteNotRemote",
            $"Site '{site.Name}' has no ssh settings ({site.Source}): its run directory is on this machine, read in place, not mirrored.",
            "Read a local site's directory directly (<runRoot>/<runId>/<site>/), or add an ssh: block with the login host to the site profile.",
            SwarmErrorCategory.InvalidArgument,
            site.Name);
        runId = CampaignRunId.Validate(runId);
        var runRoot = site.RunRoot.TrimEnd('/');
        var remote = runRoot is "" or "." ? $"{runId}/{site.Name}" : $"{runRoot}/{runId}/{site.Name}";
        var connection = MirrorConnection.For(ssh, site.Name, Path.GetFullPath(controlDirectory));
        return new SiteMirror(site.Name, runId, remote, Path.GetFullPath(mirrorDirectory), connection);
    }

    /// <summary>One poll. Remote trouble is never thrown: <see cref="MirrorPoll.Status"/> says it. Only cancellation throws.</summary>
    public async Task<MirrorPoll> PollAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await PollOnceAsync(linked.Token).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Polls until <paramref name="cancellationToken"/> is cancelled or the mirror is disposed, then returns
    /// (it does not throw for either). Polls again at once while a poll left bytes pending; waits
    /// <paramref name="interval"/> otherwise, longer (doubling, up to <see cref="MaxBackoff"/>) while unreachable.
    /// </summary>
    public async Task RunAsync(TimeSpan interval, Action<MirrorPoll>? polled, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var failures = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested && !_disposed)
            {
                var poll = await PollAsync(cancellationToken).ConfigureAwait(false);
                polled?.Invoke(poll);
                if (poll.MorePending)
                {
                    continue;
                }

                failures = poll.Status.State == MirrorState.Unreachable ? failures + 1 : 0;
                var delay = failures == 0 ? interval : Backoff(interval, failures);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
                await Task.Delay(delay, linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || _disposed)
        {
        }
        catch (ObjectDisposedException) when (_disposed)
        {
        }
    }

    /// <summary>The wait after the n-th unreachable poll in a row: the interval doubled each time, capped at MaxBackoff (never below the interval).</summary>
    public static TimeSpan Backoff(TimeSpan interval, int failures)
    {
        var doubled = interval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 20));
        return TimeSpan.FromMilliseconds(Math.Max(interval.TotalMilliseconds, Math.Min(MaxBackoff.TotalMilliseconds, doubled)));
    }

    /// <summary>Ends this mirror's ssh master, and nothing else (the profile's shared master is never touched). The local copy stays.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // A poll in flight ends now (its ssh is killed), so the master is not restarted behind our back.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await _connection.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<MirrorPoll> PollOnceAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var unreachable = await _connection.EnsureMasterAsync(cancellationToken).ConfigureAwait(false);
        if (unreachable is not null)
        {
            return Finish(MirrorState.Unreachable, unreachable, 0, 0, 0, false, clock);
        }

        var command = new ShellCommand(
            "sh", "-c", MirrorReply.Script, "sh", _remoteDirectory,
            MirrorReply.MaxFileBytes.ToString(CultureInfo.InvariantCulture), MirrorReply.MaxPollBytes.ToString(CultureInfo.InvariantCulture), MirrorReply.TooLongGlob);
        var shell = _connection.Shell;
        // Run as OpenSshShell.RunAsync would, but keep ssh's exit and stderr: its own error line is the Problem shown.
        var result = await ProcessRunner.RunAsync(
            new ShellCommand("ssh", shell.BuildSshArguments(OpenSshShell.BuildRemoteCommand(command)))
            {
                StandardInput = MirrorReply.State(KnownHere()),
                Timeout = PollTimeout,
            },
            cancellationToken).ConfigureAwait(false);
        var received = Encoding.UTF8.GetByteCount(result.StandardOutput);
        if (result.TimedOut)
        {
            return Finish(MirrorState.Unreachable, $"ssh to {shell.Target} did not answer within {PollTimeout.TotalSeconds:0} s", received, 0, 0, false, clock);
        }

        if (result.ExitCode == OpenSshShell.SshFailureExitCode)
        {
            return Finish(MirrorState.Unreachable, MirrorConnection.FirstDiagnostic(result.StandardError) ?? "ssh exited with 255 and no message", received, 0, 0, false, clock);
        }

        if (result.ExitCode == MirrorReply.MissingExitCode)
        {
            var lookedIn = result.StandardOutput.Trim();
            return Finish(MirrorState.Missing, $"no site '{Site}' of run '{_runId}' on {shell.Target} (looked in {lookedIn})", received, 0, 0, false, clock);
        }

        var reply = result.ExitCode == 0 ? MirrorReply.Parse(result.StandardOutput) : null;
        if (reply is null)
        {
            // Cut off (a dropped link) or a login shell that is not sh-compatible: nothing applied, the next poll asks again from the same place.
            var why = MirrorConnection.FirstDiagnostic(result.StandardError);
            return Finish(MirrorState.Unreachable, $"the poll of {shell.Target} gave no whole reply (exit {result.ExitCode}){(why is null ? "" : ": " + why)}", received, 0, 0, false, clock);
        }

        foreach (var name in reply.Skipped)
        {
            Skip(MirrorPath.Printable(name), "a symbolic link, or a name outside [A-Za-z0-9._-]{1,128}: not copied");
        }

        // Made once the site answered: an unreachable or missing site leaves nothing here.
        OwnerOnly.CreateDirectory(Directory);
        var (files, bytes, morePending) = Apply(reply.Files);
        return Finish(MirrorState.Up, null, received, files, bytes, morePending, clock);
    }

    /// <summary>What this side has, as the remote script reads it: append-only files by local length (from the file system), others by size-cksum last copied.</summary>
    private IEnumerable<KeyValuePair<string, string>> KnownHere()
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(Directory))
        {
            return known;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = MirrorPath.MaxDepth - 1, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles("*", options))
        {
            var relative = Path.GetRelativePath(Directory, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!MirrorPath.IsSafe(relative))
            {
                continue;
            }

            if (MirrorReply.IsAppendOnly(relative))
            {
                known[relative] = file.Length.ToString(CultureInfo.InvariantCulture);
            }
            else if (_copiedWhole.TryGetValue(relative, out var copied))
            {
                known[relative] = copied;
            }
        }

        return known;
    }

    private (int Files, long Bytes, bool MorePending) Apply(IReadOnlyList<MirrorReply.RemoteFile> remoteFiles)
    {
        var files = 0;
        var bytes = 0L;
        var morePending = false;
        foreach (var remote in remoteFiles)
        {
            var local = MirrorPath.Local(Directory, remote.Path);
            if (local is null)
            {
                Skip(MirrorPath.Printable(remote.Path), "a name outside [A-Za-z0-9._-]{1,128} or deeper than 4: not copied");
                continue;
            }

            var appendOnly = MirrorReply.IsAppendOnly(remote.Path);
            if (!appendOnly && remote.Checksum is null)
            {
                Skip(remote.Path, $"{remote.Size} bytes, over the {MirrorReply.MaxFileBytes} a file that is not *.jsonl or *.log may have to be copied");
                continue;
            }

            if (remote.Bytes is null)
            {
                // Nothing sent: up to date, or the poll's byte budget ran out before this file.
                morePending |= appendOnly
                    ? remote.Size > LocalLength(local)
                    : _copiedWhole.GetValueOrDefault(remote.Path) != $"{remote.Size}-{remote.Checksum}";
                continue;
            }

            try
            {
                OwnerOnly.CreateDirectory(Path.GetDirectoryName(local)!);
                if (appendOnly)
                {
                    if (!Append(local, remote.Offset!.Value, remote.Bytes))
                    {
                        morePending = true;
                        continue;
                    }

                    morePending |= remote.Size > remote.Offset.Value + remote.Bytes.Length;
                }
                else
                {
                    AtomicFile.Write(local, stream => stream.Write(remote.Bytes));
                    // Were it rewritten between the remote's cksum and its read, the next poll's cksum differs and fetches it again.
                    _copiedWhole[remote.Path] = $"{remote.Size}-{remote.Checksum}";
                }

                files++;
                bytes += remote.Bytes.Length;
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                Skip(remote.Path, $"could not be written here: {error.Message}");
            }
        }

        return (files, bytes, morePending);
    }

    /// <summary>
    /// Appends bytes that start at <paramref name="offset"/>: 0 rewrites the file (the remote one was truncated or
    /// replaced); any other offset must be where the local copy ends, else nothing is written (it changed under us:
    /// the next poll starts from its real length).
    /// </summary>
    private static bool Append(string path, long offset, byte[] bytes)
    {
        OwnerOnly.CreateFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        if (offset == 0)
        {
            stream.SetLength(0);
        }
        else if (stream.Length != offset)
        {
            return false;
        }

        stream.Seek(0, SeekOrigin.End);
        stream.Write(bytes);
        return true;
    }

    private static long LocalLength(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }

    private void Skip(string path, string reason)
    {
        lock (_skippedLock)
        {
            if (_skipped.Count < MaxSkipped && _skippedPaths.Add(path))
            {
                _skipped.Add(new MirrorSkip(path, reason));
            }
        }
    }

    private MirrorPoll Finish(MirrorState state, string? problem, long received, int files, long bytes, bool morePending, Stopwatch clock)
    {
        var previous = _status;
        var status = new MirrorStatus(state, problem, DateTimeOffset.UtcNow, previous.BytesCopied + bytes, previous.Polls + 1);
        _status = status;
        return new MirrorPoll(received, files, morePending, clock.Elapsed, status);
    }
}
