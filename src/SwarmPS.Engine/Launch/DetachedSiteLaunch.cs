using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Starts a site launcher in a process of its own that outlives the caller (Start-SwarmSite -Detach), the
/// way every detached child starts (<see cref="DetachedProcess"/>, output in launcher.log). Everything that
/// can be checked from here is checked first (<see cref="LaunchPreflight"/>), so those failures come back at
/// once with their own ids; then it returns once the launcher has registered its agents (the site waits
/// for peers or runs) or, for an allocation, once its job is in the queue (hours, maybe), or fails with the launcher's own error id. What the launcher runs is given by
/// <c>childCommand</c>: pwsh re-launched with the module, or any program running <see cref="SiteLauncher"/>.
/// </summary>
public static class DetachedSiteLaunch
{
    public static async Task<SiteStatus> StartAsync(
        SiteLaunchOptions options,
        IExchange exchange,
        Func<DetachedSiteArguments, IReadOnlyList<string>> childCommand,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan readyTimeout,
        IProgress<string>? waiting,
        CancellationToken cancellationToken)
    {
        var arguments = DetachedSiteArguments.Of(options);
        await LaunchPreflight.CheckAsync(options, exchange, cancellationToken).ConfigureAwait(false);
        var layout = new SiteRunLayout(options.Site.RunRoot, options.RunId, options.Site.Name);
        OwnerOnly.CreateDirectory(layout.SiteDirectory);
        var launcher = new Launcher(layout, exchange)
        {
            Command = childCommand(arguments),
            Environment = environment,
            WorkingDirectory = options.WorkingDirectory,
            Log = layout.LauncherLog,
            Name = $"launcher of site '{layout.Site}'",
            Target = layout.SiteDirectory,
        };
        return await DetachedProcess.StartAsync(launcher, readyTimeout, waiting, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The launcher is ready once status.json, written by this very process, says its agents are registered or its allocation is queued.</summary>
    private sealed class Launcher(SiteRunLayout layout, IExchange exchange) : DetachedChild<SiteStatus>
    {
        private SiteStatus? _recorded;

        public override DetachedReadiness<SiteStatus> Probe(ProcessIdentity child)
        {
            var status = TryReadStatus(layout);
            _recorded = status?.Launcher?.Pid == child.Pid ? status : null;
            return _recorded switch
            {
                { State: SiteState.Queued or SiteState.WaitingForPeers or SiteState.Running or SiteState.Finished } => DetachedReadiness<SiteStatus>.Of(_recorded),
                { State: SiteState.Failed or SiteState.Stopped } => DetachedReadiness<SiteStatus>.RecordedFailure,
                _ => DetachedReadiness<SiteStatus>.Starting,
            };
        }

        public override string Waiting(int pid, TimeSpan waited) =>
            $"waiting for the detached launcher (pid {pid}) to register its agents: {waited.TotalSeconds:0} s";

        public override SwarmException Ended(int? exitCode, string logTail)
        {
            var problem = _recorded?.Problem is { } text ? $" It recorded: {text}." : "";
            return new SwarmException(
                "SiteStartFailed",
                $"The detached launcher of site '{layout.Site}' ended before its agents were registered.{problem} Its log ends: {logTail}",
                $"Read {layout.LauncherLog}, fix the cause, and start the site again.",
                SwarmErrorCategory.ResourceUnavailable,
                layout.SiteDirectory);
        }

        public override SwarmException TimedOut(int pid, TimeSpan waited, string logTail) => new(
            "SiteStartTimeout",
            $"The detached launcher of site '{layout.Site}' (pid {pid}) did not register its agents within {waited.TotalSeconds:0} s. Its log so far: {logTail}",
            $"Read {layout.LauncherLog}; stop it with Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site} if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            layout.SiteDirectory);

        /// <summary>A launcher that already registered agents is stopped as a site (its agents, their mailboxes); then the process itself.</summary>
        public override async Task StopAsync(LoggedProcess child)
        {
            if (TryReadStatus(layout)?.Launcher?.Pid == child.Identity.Pid)
            {
                await SiteStopper.StopAsync(layout, exchange, StopGrace).ConfigureAwait(false);
            }

            await base.StopAsync(child).ConfigureAwait(false);
        }

        private static SiteStatus? TryReadStatus(SiteRunLayout layout)
        {
            try
            {
                return SiteStatusFile.TryRead(layout.StatusFile);
            }
            catch (SwarmException)
            {
                return null; // being replaced this very moment; read again
            }
        }
    }
}
