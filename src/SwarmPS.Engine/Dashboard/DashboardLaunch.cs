using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Starts a dashboard in a process of its own that outlives the caller (Start-SwarmDashboard without
/// -Foreground), the way every detached child starts (<see cref="DetachedProcess"/>): its own session, its
/// output in <c>&lt;mirrorRoot&gt;/.dashboards/&lt;runId&gt;.out</c>. It returns once the child's record says it is
/// ready (every mirror polled once), with the mirrors' progress meanwhile, or fails with the child's own error id.
/// What the child runs is given by <c>childCommand</c> (the cmdlet layer: pwsh running Start-SwarmDashboard -Foreground).
/// </summary>
public static class DashboardLaunch
{
    public static async Task<DashboardRecord> StartAsync(
        DashboardOptions options,
        IReadOnlyList<string> childCommand,
        TimeSpan readyTimeout,
        IProgress<string>? waiting,
        CancellationToken cancellationToken)
    {
        Files.OwnerOnly.CreateDirectory(options.MirrorRoot);
        Files.OwnerOnly.CreateDirectory(DashboardOptions.RecordDirectory(options.MirrorRoot));
        var child = new Child(options)
        {
            Command = childCommand,
            WorkingDirectory = Environment.CurrentDirectory,
            Log = Path.Combine(DashboardOptions.RecordDirectory(options.MirrorRoot), options.RunId + ".out"),
            Name = $"dashboard of run '{options.RunId}'",
            Target = options.MirrorRoot,
        };
        return await DetachedProcess.StartAsync(child, readyTimeout, waiting, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ready once the record names this very process and says every mirror has polled.</summary>
    private sealed class Child(DashboardOptions options) : DetachedChild<DashboardRecord>
    {
        private DashboardRecord? _seen;

        public override DetachedReadiness<DashboardRecord> Probe(ProcessIdentity child)
        {
            _seen = DashboardRecord.TryRead(options.MirrorRoot, options.RunId) is { } record && record.Pid == child.Pid ? record : null;
            return _seen is { Ready: true } ? DetachedReadiness<DashboardRecord>.Of(_seen) : DetachedReadiness<DashboardRecord>.Starting;
        }

        public override string Waiting(int pid, TimeSpan waited) => _seen is null
            ? $"Starting the dashboard (pid {pid}): {waited.TotalSeconds:0} s"
            : $"Mirroring over SSH: {string.Join(", ", _seen.Sites.Where(site => site.Source == DashboardSourceKind.Mirror).Select(site => $"{site.Name} {site.State}"))} ({waited.TotalSeconds:0} s)";

        public override SwarmException Ended(int? exitCode, string logTail) => new(
            "DashboardStartFailed",
            $"The dashboard process exited with code {exitCode} before it was ready: {logTail}",
            $"Read '{Log}' for the details, fix the cause, and start again.",
            SwarmErrorCategory.ResourceUnavailable,
            options.RunId);

        public override SwarmException TimedOut(int pid, TimeSpan waited, string logTail) => new(
            "DashboardStartTimeout",
            $"The dashboard process (pid {pid}) was not ready within {waited.TotalSeconds:0} s (a remote site slow to answer?). Its output so far: {logTail}",
            $"Read '{Log}'; check the remote sites with Test-SwarmSite; stop it with Stop-SwarmDashboard -RunId {options.RunId}.",
            SwarmErrorCategory.OperationTimeout,
            options.RunId);
    }
}
