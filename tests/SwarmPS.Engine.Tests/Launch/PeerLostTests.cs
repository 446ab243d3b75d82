using System.Diagnostics;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// A peer lost mid-run, with a real exchange and two real sites as their own processes: beta's launcher
/// and agent are killed with SIGKILL (no goodbye, no terminated mailbox), and alpha must notice within
/// the campaign's stale_after (3 s here, far below the exchange's fixed 30 s), record peer_lost naming
/// beta's agent, and then stop or keep running as on_peer_lost says.
/// </summary>
public sealed class PeerLostTests : IDisposable
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);

    // Poll interval, the last heartbeat before the kill, and two shared cores under load.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private string Campaign(string policy) => _bed.WriteCampaign(LaunchTestBed.PeerWatchCampaignYaml(policy));

    /// <summary>Starts both sites, waits until both run, then kills beta's launcher and agent with SIGKILL; returns when they are dead.</summary>
    private async Task<Stopwatch> StartBothAndKillBetaAsync(string campaign, string runId)
    {
        await _bed.StartDetachedSiteAsync(campaign, runId, "alpha");
        await _bed.StartDetachedSiteAsync(campaign, runId, "beta");
        var alpha = _bed.Layout(runId, "alpha");
        var beta = _bed.Layout(runId, "beta");
        await WaitUntil(() => SiteStatusFile.TryRead(alpha.StatusFile)?.State == SiteState.Running
            && SiteStatusFile.TryRead(beta.StatusFile)?.State == SiteState.Running, TimeSpan.FromSeconds(30));

        var status = SiteStatusFile.TryRead(beta.StatusFile)!;
        var victims = new[] { status.Launcher!.Identity }.Concat(status.Agents.Select(agent => agent.Process!.Identity)).ToList();
        foreach (var victim in victims)
        {
            Assert.True(victim.Signal(ProcessIdentity.SignalKill), $"could not kill {victim.Pid}");
        }

        var sinceKill = Stopwatch.StartNew();
        await WaitUntil(() => victims.All(victim => !victim.IsAlive), TimeSpan.FromSeconds(5));
        return sinceKill;
    }

    private async Task<SwarmEvent> WaitForAlphaEventAsync(string runId, string kind, TimeSpan timeout)
    {
        SwarmEvent? found = null;
        await WaitUntil(() => (found = _bed.Timeline(runId).FirstOrDefault(e => e.Site == "alpha" && e.Kind == kind)) is not null, timeout,
            () => $"no {kind} on alpha; alpha: {_bed.Describe(SiteStatusFile.TryRead(_bed.Layout(runId, "alpha").StatusFile)!)}");
        return found!;
    }

    [Fact]
    public async Task With_stop_the_other_site_records_the_lost_peer_and_stops_its_agents()
    {
        var sinceKill = await StartBothAndKillBetaAsync(Campaign("stop"), "lost-stop");

        var lost = await WaitForAlphaEventAsync("lost-stop", "peer_lost", StaleAfter + Slack);
        var detectedAfter = sinceKill.Elapsed;
        Assert.Equal("b", lost.Field("peer"));
        Assert.Equal("beta", lost.Field("peer_site"));
        Assert.Equal("stop", lost.Field("on_peer_lost"));
        Assert.Equal("3000", lost.Field("stale_after_ms"));
        Assert.True(long.Parse(lost.Field("silent_ms")!) > 3000, lost.Details);
        // Not earlier than stale_after allows: the last heartbeat came at most one interval before the kill.
        Assert.True(detectedAfter >= StaleAfter - TimeSpan.FromSeconds(1.5), $"peer_lost after only {detectedAfter}");

        var alpha = await _bed.WaitForSiteAsync("lost-stop", "alpha", TimeSpan.FromSeconds(15));
        Assert.Equal(SiteState.Stopped, alpha.State);
        Assert.StartsWith("PeerLost: Peer 'b' (site beta)", alpha.Problem);
        Assert.Contains("on_peer_lost: stop", alpha.Problem);
        Assert.All(alpha.Agents, agent => Assert.Equal(AgentState.Stopped, agent.State));
        var stopped = Assert.Single(_bed.Timeline("lost-stop"), e => e.Site == "alpha" && e.Kind == "site_stopped");
        Assert.Equal("peer_lost", stopped.Field("reason"));
        Assert.Contains("WARNING: peer b (site beta) lost", LaunchTestBed.Read(_bed.Layout("lost-stop", "alpha").LauncherLog));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("lost-stop"));
    }

    [Fact]
    public async Task With_continue_the_other_site_warns_keeps_running_and_sees_the_peer_return()
    {
        var sinceKill = await StartBothAndKillBetaAsync(Campaign("continue"), "lost-continue");

        var lost = await WaitForAlphaEventAsync("lost-continue", "peer_lost", StaleAfter + Slack);
        Assert.Equal("b", lost.Field("peer"));
        Assert.Equal("continue", lost.Field("on_peer_lost"));
        Assert.True(sinceKill.Elapsed < StaleAfter + Slack);

        // Well past the loss, alpha and its agent still run.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var layout = _bed.Layout("lost-continue", "alpha");
        var alpha = SiteStatusFile.TryRead(layout.StatusFile)!;
        Assert.Equal(SiteState.Running, alpha.State);
        Assert.True(alpha.Launcher!.Identity.IsAlive);
        Assert.True(alpha.Agents.Single().Process!.Identity.IsAlive);
        Assert.Contains("WARNING: peer b (site beta) lost", LaunchTestBed.Read(layout.LauncherLog));
        Assert.Contains("on_peer_lost: continue", LaunchTestBed.Read(layout.LauncherLog));

        // The peer's mailbox heartbeats again (as a restarted agent on beta would): peer_returned.
        var beat = new CancellationTokenSource();
        var beating = Task.Run(async () =>
        {
            while (!beat.IsCancellationRequested)
            {
                await _bed.Client.HeartbeatAsync(AgentMailboxId.For("lost-continue", "b"), CancellationToken.None);
                await Task.Delay(500);
            }
        });
        var returned = await WaitForAlphaEventAsync("lost-continue", "peer_returned", TimeSpan.FromSeconds(10));
        Assert.Equal("b", returned.Field("peer"));
        await beat.CancelAsync();
        await beating;

        var result = await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(2));
        Assert.NotNull(result);
        Assert.Empty(LaunchTestBed.ProcessesOfRun("lost-continue"));
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe?.Invoke() ?? "condition not met in time");
            }

            await Task.Delay(100);
        }
    }
}
