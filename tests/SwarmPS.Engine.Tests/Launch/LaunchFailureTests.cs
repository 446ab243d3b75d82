using System.Diagnostics;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using Xunit.Abstractions;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>The failure cases of issue 4, each against real processes and a real exchange.</summary>
public sealed class LaunchFailureTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();
    private readonly ITestOutputHelper _output;

    public LaunchFailureTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _bed.Dispose();

    private static readonly string[] Sleeper = { "sleep", "300" };

    private Task<SiteLaunchResult> Launch(Campaign campaign, string runId, string site, bool bootstrap = false, TimeSpan? startupTimeout = null, CancellationToken cancellationToken = default) =>
        new SiteLauncher(_bed.Options(campaign, runId, site, bootstrap, startupTimeout), _bed.Client).RunAsync(cancellationToken);

    [Fact]
    public async Task A_peer_that_never_starts_times_out_within_a_second_naming_it_and_its_id()
    {
        var campaign = LaunchTestBed.Campaign("ping",
            LaunchTestBed.Agent("ping", "alpha", LaunchTestBed.CounterAgent(), peers: "pong"),
            LaunchTestBed.Agent("pong", "beta", LaunchTestBed.CounterAgent(), peers: "ping"));
        var timeout = TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SwarmException>(() => Launch(campaign, "never-peer", "alpha", startupTimeout: timeout));

        clock.Stop();
        _output.WriteLine($"PeerDiscoveryTimeout after {clock.Elapsed.TotalSeconds:0.00} s with a {timeout.TotalSeconds} s timeout");
        Assert.Equal("PeerDiscoveryTimeout", error.ErrorId);
        Assert.Contains($"pong ({AgentMailboxId.For("never-peer", "pong")})", error.Message);
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Empty(LaunchTestBed.ProcessesOfRun("never-peer"));
        Assert.Equal(SiteState.Failed, SiteStatusFile.TryRead(_bed.Layout("never-peer", "alpha").StatusFile)!.State);
    }

    [Fact]
    public async Task A_second_launch_with_a_live_run_id_fails_fast_naming_the_run_id()
    {
        var campaign = LaunchTestBed.Campaign("solo", LaunchTestBed.Agent("solo", "alpha", Sleeper));
        using var stop = new CancellationTokenSource();
        var first = Launch(campaign, "same-run", "alpha", cancellationToken: stop.Token);
        await WaitUntil(() => SiteStatusFile.TryRead(_bed.Layout("same-run", "alpha").StatusFile)?.State == SiteState.Running);

        // Another machine with the same run id: its own run root, the same exchange.
        var elsewhere = _bed.Options(campaign, "same-run", "alpha") with { Site = _bed.Site("alpha") with { RunRoot = Path.Combine(_bed.Root, "other-host") } };
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<SwarmException>(() => new SiteLauncher(elsewhere, _bed.Client).RunAsync(CancellationToken.None));

        Assert.Equal("MailboxExists", error.ErrorId);
        Assert.Contains("'same-run'", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        var running = LaunchTestBed.ProcessesOfRun("same-run");
        Assert.True(running.Count == 1, "expected only the first launch's agent: " + LaunchTestBed.Describe(running));
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Empty(LaunchTestBed.ProcessesOfRun("same-run"));
    }

    [Fact]
    public async Task An_agent_that_crashes_twice_then_succeeds_is_restarted_and_the_site_finishes()
    {
        var marker = Path.Combine(_bed.Root, "attempts");
        var flaky = new[] { "sh", "-c", $"n=$(cat {marker} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {marker}; [ $n -ge 3 ]" };
        var campaign = LaunchTestBed.Campaign("flaky", LaunchTestBed.Agent("flaky", "alpha", flaky, restartLimit: 2));

        var result = await Launch(campaign, "flaky-run", "alpha");

        Assert.Equal(SiteState.Finished, result.State);
        var record = Assert.Single(result.Agents);
        Assert.Equal(2, record.Restarts);
        Assert.Equal(AgentState.Exited, record.State);
        var events = _bed.Timeline("flaky-run");
        Assert.Equal(3, events.Count(e => e.Kind == "agent_started"));
        Assert.Equal(new[] { "1", "1", "0" }, events.Where(e => e.Kind == "agent_exited").Select(e => e.Field("exit_code")));
        Assert.Equal(2, events.Count(e => e.Kind == "agent_restarting"));
    }

    [Fact]
    public async Task An_agent_past_its_restart_limit_fails_the_site_naming_it_and_stops_the_others()
    {
        var campaign = LaunchTestBed.Campaign("crasher",
            LaunchTestBed.Agent("crasher", "alpha", new[] { "sh", "-c", "echo boom >&2; exit 5" }, restartLimit: 1),
            LaunchTestBed.Agent("bystander", "alpha", Sleeper));

        var error = await Assert.ThrowsAsync<SwarmException>(() => Launch(campaign, "crash-run", "alpha"));

        Assert.Equal("AgentRestartLimitExceeded", error.ErrorId);
        Assert.Contains("'crasher'", error.Message);
        Assert.Contains("code 5", error.Message);
        Assert.Contains("stderr.log", error.Remediation);
        Assert.Equal("boom\nboom\n", File.ReadAllText(_bed.Layout("crash-run", "alpha").StderrLog("crasher")));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("crash-run"));
        var status = SiteStatusFile.TryRead(_bed.Layout("crash-run", "alpha").StatusFile)!;
        Assert.Equal(SiteState.Failed, status.State);
        Assert.Equal(AgentState.Stopped, status.Agents.Single(a => a.Name == "bystander").State);
        var mailboxes = await _bed.Client.GetStatusAsync(new[] { AgentMailboxId.For("crash-run", "bystander") });
        Assert.Equal(MailboxState.Terminated, Assert.Single(mailboxes).State);
    }

    [Fact]
    public async Task An_agent_under_on_failure_continue_fails_alone_and_the_site_finishes_with_its_other_agents()
    {
        var campaign = _bed.WriteCampaign("""
            name: tolerant
            initial_agent: keeper
            user_task: wait
            agents:
              - name: keeper
                site: alpha
                command: ["sh", "-c", "sleep 2"]
              - name: dropout
                site: alpha
                command: ["sh", "-c", "exit 7"]
                on_failure: continue
            """);

        var result = await Launch(CampaignLoader.Load(campaign), "tolerant-run", "alpha");

        Assert.Equal(SiteState.Finished, result.State);
        Assert.Equal(AgentState.Failed, result.Agents.Single(a => a.Name == "dropout").State);
        Assert.Equal(AgentState.Exited, result.Agents.Single(a => a.Name == "keeper").State);
        Assert.Contains(_bed.Timeline("tolerant-run"), e => e.Kind == "agent_failed" && e.Agent == "dropout");
    }

    [Fact]
    public async Task A_launcher_killed_with_sigkill_leaves_orphans_that_stop_site_removes_idempotently()
    {
        var campaign = _bed.WriteCampaign("""
            name: orphans
            initial_agent: a
            user_task: wait
            agents:
              - name: a
                site: alpha
                command: ["sleep", "300"]
              - name: b
                site: alpha
                command: ["sh", "-c", "sleep 300 & wait"]
            """);
        var started = await _bed.StartDetachedSiteAsync(campaign, "orphan-run", "alpha");
        var layout = _bed.Layout("orphan-run", "alpha");
        await WaitUntil(() => SiteStatusFile.TryRead(layout.StatusFile)?.State == SiteState.Running);
        var launcher = started.Launcher!.Identity;

        Assert.True(launcher.Signal(ProcessIdentity.SignalKill));
        await WaitUntil(() => !launcher.IsAlive);
        var orphans = LaunchTestBed.ProcessesOfRun("orphan-run");
        Assert.True(orphans.Count == 3, "expected a, b and b's sleep as orphans: " + LaunchTestBed.Describe(orphans));

        // Starting the site again now would lose the only record of the orphans: refused, with the fix.
        var restart = await Assert.ThrowsAsync<SwarmException>(() => _bed.StartDetachedSiteAsync(campaign, "orphan-run", "alpha"));
        Assert.Equal("SiteAlreadyRunning", restart.ErrorId);
        Assert.Contains("a (pid", restart.Message);

        var result = await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(2));

        Assert.NotNull(result);
        Assert.False(result!.LauncherWasRunning);
        Assert.Equal(new[] { "a", "b" }, result.StoppedAgents.Order());
        Assert.Empty(LaunchTestBed.ProcessesOfRun("orphan-run"));
        Assert.Equal(SiteState.Stopped, SiteStatusFile.TryRead(layout.StatusFile)!.State);

        var again = await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(2));
        Assert.Empty(again!.StoppedAgents);
        Assert.Empty(again.StoppedPids);
        Assert.Null(await SiteStopper.StopAsync(_bed.Layout("never-started", "alpha"), _bed.Client, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Stop_site_on_a_running_detached_launcher_stops_it_and_its_agents()
    {
        var campaign = _bed.WriteRunningCampaign();
        await _bed.StartDetachedSiteAsync(campaign, "stop-run", "alpha");
        var layout = _bed.Layout("stop-run", "alpha");
        await WaitUntil(() => SiteStatusFile.TryRead(layout.StatusFile)?.State == SiteState.Running);
        var clock = Stopwatch.StartNew();

        var result = await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(5));

        _output.WriteLine($"stopped in {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.True(result!.LauncherWasRunning);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("stop-run"));
        Assert.Equal(SiteState.Stopped, SiteStatusFile.TryRead(layout.StatusFile)!.State);
    }

    [Fact]
    public async Task A_bootstrap_sent_before_the_sites_are_up_waits_and_is_delivered_once()
    {
        const string runId = "early-kickoff";
        var file = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml(stopAt: 4));
        var campaign = CampaignLoader.Load(file);
        // The wait covers starting both sites (two detached launchers and their agents): generous, because
        // on a loaded CI machine that alone once took longer than 30 s. The test is about waiting, not speed.
        var kickoff = CampaignBootstrap.SendAsync(_bed.Client, campaign, runId, null, TimeSpan.FromSeconds(120), null, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(kickoff.IsCompleted);

        await _bed.StartDetachedSiteAsync(file, runId, "alpha");
        await _bed.StartDetachedSiteAsync(file, runId, "beta");
        var receipt = await kickoff;
        var again = await CampaignBootstrap.SendAsync(_bed.Client, campaign, runId, null, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        await _bed.WaitForSiteAsync(runId, "alpha", TimeSpan.FromSeconds(60));
        await _bed.WaitForSiteAsync(runId, "beta", TimeSpan.FromSeconds(60));

        Assert.False(receipt.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(receipt.MessageId, again.MessageId);
        Assert.Single(_bed.Timeline(runId), e => e.Kind == "message_received" && e.Field("kind_received") == "bootstrap");
        Assert.Equal(4, _bed.Timeline(runId).Count(e => e.Kind == "message_sent"));
    }

    [Fact]
    public async Task A_bootstrap_to_an_unknown_recipient_names_it_and_its_id()
    {
        var campaign = LaunchTestBed.Campaign("ping", LaunchTestBed.Agent("ping", "alpha", Sleeper));

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            CampaignBootstrap.SendAsync(_bed.Client, campaign, "kick-run", "pnog", TimeSpan.FromSeconds(1), null, CancellationToken.None));

        Assert.Equal("BootstrapRecipientNotFound", error.ErrorId);
        Assert.Contains("'pnog'", error.Message);
        Assert.Contains(AgentMailboxId.For("kick-run", "pnog").ToString(), error.Message);

        var notLive = await Assert.ThrowsAsync<SwarmException>(() =>
            CampaignBootstrap.SendAsync(_bed.Client, campaign, "kick-run", null, TimeSpan.FromMilliseconds(500), null, CancellationToken.None));
        Assert.Equal("BootstrapRecipientNotFound", notLive.ErrorId);
        Assert.Contains("not live", notLive.Message);
    }

    [Fact]
    public async Task An_agent_command_that_does_not_exist_fails_before_anything_starts()
    {
        var campaign = LaunchTestBed.Campaign("good",
            LaunchTestBed.Agent("good", "alpha", Sleeper),
            LaunchTestBed.Agent("typo", "alpha", new[] { "pyhton3", "agent.py" }));

        var error = await Assert.ThrowsAsync<SwarmException>(() => Launch(campaign, "typo-run", "alpha"));

        Assert.Equal("AgentCommandNotFound", error.ErrorId);
        Assert.Contains("agent 'typo': 'pyhton3'", error.Message);
        Assert.False(Directory.Exists(_bed.Layout("typo-run", "alpha").SiteDirectory));
        Assert.Empty(await _bed.Client.GetStatusAsync(new[] { AgentMailboxId.For("typo-run", "good") }));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("typo-run"));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(50);
        }
    }
}
