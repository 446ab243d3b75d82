using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Stops what one launch started at one site, and only that, from its status.json: the launcher first
/// (so it cannot restart anyone), then every recorded agent process still alive, each identified by
/// pid and start time so a recycled pid is never touched. Works when the launcher is long dead (kill -9)
/// and its agents are orphans, and cancels the site's allocation job when the scheduler still lists it. Idempotent: a second call finds nothing alive and changes nothing.
/// </summary>
public static class SiteStopper
{
    public static async Task<SiteStopResult?> StopAsync(SiteRunLayout layout, IExchange? exchange, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var status = SiteStatusFile.TryRead(layout.StatusFile);
        if (status is null)
        {
            return null;
        }

        // Pids mean something only on the host that started them: a stop from another login node of the same
        // alias (a shared run root) must go to that host, never signal whatever holds those pids here.
        EnsureOnThisHost(status, layout);

        // A launcher counts only while its site is active: a foreground launcher is the operator's own pwsh,
        // which lives on after the site ended (or was stopped with Ctrl+C) and must never be signalled then.
        // Nor is this very process, which may run a foreground site in another runspace.
        var active = status.State.IsActive();
        var launcherAlive = active && status.Launcher?.Identity.IsAlive == true && status.Launcher.Pid != Environment.ProcessId;
        var stoppedPids = new List<int>();
        if (launcherAlive)
        {
            // A launcher that handles SIGTERM stops its agents itself; give it the grace to do so.
            stoppedPids.AddRange((await ProcessStopper.StopAsync(new[] { (status.Launcher!.Identity, false) }, grace + TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false)).Select(p => p.Pid));
        }

        var orphans = status.Agents.Where(agent => agent.Process?.Identity.IsAlive == true).ToList();
        var stopped = await ProcessStopper.StopAsync(
            orphans.Select(agent => (agent.Process!.Identity, agent.Process.LeadsGroup)).ToList(), grace, cancellationToken).ConfigureAwait(false);
        stoppedPids.AddRange(stopped.Select(p => p.Pid));
        var stoppedAgents = orphans.Where(agent => stopped.Contains(agent.Process!.Identity)).Select(agent => agent.Name).ToList();

        // A launcher that stopped cleanly cancelled its allocation; one killed (or whose cancel failed) left the job queued or running.
        var cancelledJob = status.Allocation is { } allocation && await CancelAllocationAsync(allocation, cancellationToken).ConfigureAwait(false);

        if (exchange is not null)
        {
            await TerminateMailboxesAsync(exchange, status, cancellationToken).ConfigureAwait(false);
        }

        // Re-read: a launcher that stopped cleanly has just written its own final status.
        var latest = SiteStatusFile.TryRead(layout.StatusFile) ?? status;
        active = latest.State.IsActive();
        if (active || stoppedPids.Count > 0 || cancelledJob)
        {
            var final = latest with
            {
                State = active ? SiteState.Stopped : latest.State,
                UpdatedAt = DateTimeOffset.UtcNow,
                Agents = latest.Agents.Select(agent => agent.State is AgentState.Running or AgentState.Starting or AgentState.Restarting or AgentState.Queued
                    ? agent with { State = AgentState.Stopped }
                    : agent).ToList(),
            };
            // The event before the state, as the launcher does: a follower ends on the final state.
            new EventLog(layout.EventsFile).Append(SwarmEvent.Now(layout.Site, null, "site_stopped", new Dictionary<string, object?>
            {
                ["by"] = "Stop-SwarmSite",
                ["launcher_was_running"] = launcherAlive,
                ["stopped_agents"] = stoppedAgents.ToArray(),
                ["cancelled_allocation"] = cancelledJob ? status.Allocation!.JobId : null,
            }));
            SiteStatusFile.Write(layout.StatusFile, final);
            latest = final;
        }

        return new SiteStopResult(layout.RunId, layout.Site, latest.State, launcherAlive, stoppedAgents, stoppedPids, layout.SiteDirectory);
    }

    /// <summary>Cancels the recorded job when the scheduler still lists it; true when it did.</summary>
    private static async Task<bool> CancelAllocationAsync(AllocationRecord allocation, CancellationToken cancellationToken)
    {
        var job = AllocationJob.Recorded(LocalShell.Instance, allocation.Scheduler, allocation.JobId, allocation.Directory);
        if (await job.QueryStateAsync(cancellationToken).ConfigureAwait(false) == AllocationJobState.Ended)
        {
            return false;
        }

        await job.CancelAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void EnsureOnThisHost(SiteStatus status, SiteRunLayout layout)
    {
        var elsewhere = new[] { status.Launcher }.Concat(status.Agents.Select(agent => agent.Process))
            .FirstOrDefault(process => process is { IsOnThisHost: false })?.Host;
        // A job id names a job of the cluster its login node submitted to; scancel elsewhere may name another.
        if (elsewhere is null && status.Allocation is { Host: { } host } && !string.Equals(host, RecordedProcess.ThisHost, StringComparison.OrdinalIgnoreCase))
        {
            elsewhere = host;
        }

        if (elsewhere is null)
        {
            return;
        }

        throw new SwarmException(
            "SiteOnOtherHost",
            $"Site '{layout.Site}' of run '{layout.RunId}' was started on host '{elsewhere}', not on this one ('{RecordedProcess.ThisHost}'); its pids mean nothing here, so nothing was stopped.",
            $"Stop it from a machine whose site profile reaches '{elsewhere}' over SSH (Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site} connects there), or run Stop-SwarmSite on '{elsewhere}' itself.",
            SwarmErrorCategory.InvalidOperation,
            layout.SiteDirectory);
    }

    private static async Task TerminateMailboxesAsync(IExchange exchange, SiteStatus status, CancellationToken cancellationToken)
    {
        foreach (var agent in status.Agents)
        {
            try
            {
                await exchange.TerminateAsync(agent.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (SwarmException)
            {
                // Unreachable exchange or unknown mailbox: the processes are what must stop.
            }
        }
    }
}
