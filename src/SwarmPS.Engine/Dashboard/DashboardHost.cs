using System.Security.Cryptography;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The one entry point that runs a dashboard until cancelled: the mirrors of the remote sites, the reader
/// that keeps the run current, the server and the record. Start-SwarmDashboard -Foreground, the detached pwsh
/// it launches and the tests all call this, so they cannot drift apart.
/// </summary>
public static class DashboardHost
{
    /// <summary>The control folder's purpose (<see cref="DashboardOptions.ControlDirectory"/>) for a running dashboard.</summary>
    public const string ControlPurpose = "dashboard";

    private static readonly TimeSpan RecordRefresh = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> is cancelled. <paramref name="onReady"/> gets the record
    /// once every mirror has polled once and the page shows what there is.
    /// </summary>
    public static async Task RunAsync(
        SiteCatalog catalog, DashboardOptions options, Action<DashboardRecord>? onReady, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var (sources, remote) = DashboardSources.Resolve(catalog, options);
        if (DashboardRecord.TryRead(options.MirrorRoot, options.RunId) is { } running && running.Server.IsAlive)
        {
            throw new SwarmException(
                "DashboardAlreadyRunning",
                $"A dashboard of run '{options.RunId}' is already running (pid {running.Pid}, {running.Url}).",
                $"Open that one (its URL with the token is in {DashboardRecord.PathFor(options.MirrorRoot, options.RunId)}), or stop it first: Stop-SwarmDashboard -RunId {options.RunId}.",
                SwarmErrorCategory.ResourceExists,
                options.RunId);
        }

        // The mirrors hold copies of other users' runs' output and the record holds the token: owner-only.
        OwnerOnly.CreateDirectory(options.MirrorRoot);
        OwnerOnly.Tighten(options.MirrorRoot);
        var control = DashboardOptions.ControlDirectory(options.MirrorRoot, options.RunId, ControlPurpose);
        var mirrors = DashboardSources.Mirrors(remote, options.RunId, control);
        var run = new DashboardRun(options.RunId, sources, mirrors);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new List<Task>();
        DashboardRecord? record = null;
        try
        {
            await using var server = DashboardServer.Start(run, token, options.Port);
            var identity = ProcessIdentity.Current;
            record = new DashboardRecord
            {
                RunId = options.RunId,
                Pid = identity.Pid,
                StartTicks = identity.StartTicks,
                Url = server.Url.ToString(),
                Token = token,
                Port = server.Port,
                RequestedPort = server.RequestedPort,
                MirrorRoot = options.MirrorRoot,
                StartedAt = DateTimeOffset.UtcNow,
                Sites = run.Sites(),
            };
            record.Write();

            await FirstPollsAsync(mirrors.Values, progress, stopping.Token).ConfigureAwait(false);
            run.Refresh();
            DashboardSources.EnsureFound(run, sources, mirrors.Values);

            record = Recorded(record, run, mirrors.Values) with { Ready = true };
            record.Write();
            onReady?.Invoke(record);

            loops.AddRange(mirrors.Values.Select(mirror => mirror.RunAsync(options.MirrorInterval, null, stopping.Token)));
            var lastWritten = DateTime.UtcNow;
            while (!stopping.IsCancellationRequested)
            {
                run.Refresh();
                // The record follows the mirrors' connections (one restarted after a drop has another pid) and states.
                if (DateTime.UtcNow - lastWritten >= RecordRefresh)
                {
                    var now = Recorded(record, run, mirrors.Values);
                    if (!now.Mirrors.SequenceEqual(record.Mirrors) || !now.Sites.SequenceEqual(record.Sites))
                    {
                        record = now;
                        record.Write();
                    }

                    lastWritten = DateTime.UtcNow;
                }

                try
                {
                    await Task.Delay(options.ReadInterval, stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            stopping.Cancel();
            await Task.WhenAll(loops.Select(loop => loop.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            foreach (var mirror in mirrors.Values)
            {
                await mirror.DisposeAsync().ConfigureAwait(false);
            }

            DashboardOptions.RemoveControlDirectory(control);

            // Only this dashboard's own record: a second one refused above must not remove the first's.
            if (record is not null && DashboardRecord.TryRead(options.MirrorRoot, options.RunId)?.Pid == record.Pid)
            {
                record.Delete();
            }
        }
    }

    /// <summary>Each mirror's first poll, in parallel, with progress naming the sites still being asked.</summary>
    private static async Task FirstPollsAsync(IEnumerable<SiteMirror> mirrors, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var pending = mirrors.ToDictionary(mirror => mirror.PollAsync(cancellationToken), mirror => mirror);
        while (pending.Count > 0)
        {
            progress?.Report($"Mirroring over SSH: {string.Join(", ", pending.Values.Select(mirror => mirror.Site))}");
            var done = await Task.WhenAny(pending.Keys).ConfigureAwait(false);
            await done.ConfigureAwait(false);
            var mirror = pending[done];
            pending.Remove(done);
            progress?.Report($"{mirror.Site}: {mirror.Status.State}{(mirror.Status.Problem is { } problem ? $" ({problem})" : "")}");
        }
    }

    private static DashboardRecord Recorded(DashboardRecord record, DashboardRun run, IEnumerable<SiteMirror> mirrors) => record with
    {
        Sites = run.Sites(),
        Mirrors = mirrors
            .Where(mirror => mirror.Connection is not null)
            .Select(mirror => new MirrorProcess(mirror.Site, mirror.Connection!.Pid, mirror.Connection.StartTicks))
            .ToList(),
    };
}
