using System.Diagnostics;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// What a launch checks before it starts anything or writes a file, and what a detached launch reports
/// when its launcher fails: the launcher's own error id, and only this attempt's log.
/// </summary>
public sealed class LaunchPreflightTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static readonly SwarmPS.Engine.Campaigns.Campaign Sleeper =
        LaunchTestBed.Campaign("solo", LaunchTestBed.Agent("solo", "alpha", new[] { "sleep", "300" }));

    /// <summary>A detached launch hands its child a campaign file; these children never read it.</summary>
    private static readonly SwarmPS.Engine.Campaigns.Campaign FileSleeper = Sleeper with { Source = "/nonexistent/solo.yaml" };

    [Fact]
    public async Task A_wrong_token_is_ExchangeUnauthorized_before_anything_is_written()
    {
        var options = _bed.Options(Sleeper, "bad-token", "alpha") with { Exchange = new ExchangeConnection(_bed.Exchange.Url, "not-the-token") };
        using var exchange = new HttpExchangeClient(options.Exchange);

        var error = await Assert.ThrowsAsync<SwarmException>(() => new SiteLauncher(options, exchange).RunAsync(CancellationToken.None));

        Assert.Equal("ExchangeUnauthorized", error.ErrorId);
        Assert.False(Directory.Exists(_bed.Layout("bad-token", "alpha").SiteDirectory));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("bad-token"));
    }

    [Fact]
    public async Task An_agent_name_that_climbs_out_of_the_run_directory_is_CampaignInvalid_before_anything_is_written()
    {
        // Test-SwarmCampaign calls this name AgentNameInvalid; a launch used to start it anyway, and its
        // stdout.log landed outside the run directory.
        var escape = LaunchTestBed.Campaign("../../../../tmp/swarmps-escape", LaunchTestBed.Agent("../../../../tmp/swarmps-escape", "alpha", new[] { "sleep", "300" }));
        var options = _bed.Options(escape, "escape-run", "alpha");
        using var exchange = new HttpExchangeClient(options.Exchange);

        var error = await Assert.ThrowsAsync<SwarmPS.Engine.Campaigns.CampaignInvalidException>(() => new SiteLauncher(options, exchange).RunAsync(CancellationToken.None));

        Assert.Equal("CampaignInvalid", error.ErrorId);
        Assert.Contains(error.Findings, finding => finding.Code == "AgentNameInvalid");
        Assert.False(Directory.Exists(_bed.Layout("escape-run", "alpha").SiteDirectory));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("escape-run"));
    }

    [Fact]
    public async Task An_exchange_that_is_down_is_ExchangeUnreachable_at_once_from_a_detached_launch_without_starting_it()
    {
        var down = new ExchangeConnection(new Uri($"http://127.0.0.1:{LaunchTestBed.FreePort()}/"), LaunchTestBed.Token);
        var options = _bed.Options(FileSleeper, "down-run", "alpha") with { Exchange = down };
        using var exchange = new HttpExchangeClient(down);
        var marker = Path.Combine(_bed.Root, "launcher-ran");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedSiteLaunch.StartAsync(
            options, exchange, _ => new[] { "touch", marker }, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, CancellationToken.None));

        Assert.Equal("ExchangeUnreachable", error.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(File.Exists(marker), "the launcher must not start when the preflight fails");
        Assert.False(Directory.Exists(_bed.Layout("down-run", "alpha").SiteDirectory));
    }

    [Fact]
    public async Task A_campaign_not_loaded_from_a_file_is_CampaignNotFromFile_before_anything_is_started()
    {
        var options = _bed.Options(Sleeper, "no-file", "alpha");
        var marker = Path.Combine(_bed.Root, "launcher-ran");

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedSiteLaunch.StartAsync(
            options, _bed.Client, _ => new[] { "touch", marker }, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, CancellationToken.None));

        Assert.Equal("CampaignNotFromFile", error.ErrorId);
        Assert.Contains("Import-SwarmCampaign", error.Remediation);
        Assert.False(File.Exists(marker));
        Assert.False(Directory.Exists(_bed.Layout("no-file", "alpha").SiteDirectory));
    }

    [Fact]
    public void The_detached_launcher_is_told_the_file_this_sites_agents_the_run_and_the_exchange_url_never_the_token()
    {
        var campaign = LaunchTestBed.Campaign(
            "ping",
            LaunchTestBed.Agent("ping", "alpha", new[] { "sleep", "1" }),
            LaunchTestBed.Agent("pong", "beta", new[] { "sleep", "1" }),
            LaunchTestBed.Agent("peng", "alpha", new[] { "sleep", "1" })) with { Source = "/data/camp.yaml" };
        var options = _bed.Options(campaign, "told", "alpha", bootstrap: true, startupTimeout: TimeSpan.FromSeconds(90));

        var told = DetachedSiteArguments.Of(options);

        Assert.Equal(new DetachedSiteArguments("/data/camp.yaml", told.Agents, "told", "alpha", _bed.Exchange.Url.ToString(), true, TimeSpan.FromSeconds(90)), told);
        Assert.Equal(new[] { "ping", "peng" }, told.Agents);
        Assert.DoesNotContain(LaunchTestBed.Token, told.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detached_launcher_that_fails_reports_its_own_error_id_not_SiteStartFailed()
    {
        // The parent's preflight passes for alpha; the launcher is then asked for a slice with no agent
        // on alpha, a failure only the launcher itself can see.
        var file = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml());
        var options = _bed.Options(SwarmPS.Engine.Campaigns.CampaignLoader.Load(file), "child-error", "alpha");
        var command = _bed.SiteHostCommand(file, "child-error", "alpha", "--agents", "pong");

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedSiteLaunch.StartAsync(
            options, _bed.Client, _ => command, _bed.SiteHostEnvironment, TimeSpan.FromSeconds(30), null, CancellationToken.None));

        Assert.Equal("NoAgentsForSite", error.ErrorId);
        Assert.Contains("Select-SwarmAgent", error.Remediation);
    }

    [Fact]
    public async Task The_log_tail_of_a_failed_start_covers_only_that_attempt()
    {
        var options = _bed.Options(FileSleeper, "two-attempts", "alpha");
        Task<SiteStatus> Attempt(string line) => DetachedSiteLaunch.StartAsync(
            options, _bed.Client, _ => new[] { "sh", "-c", $"echo {line}; exit 3" }, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, CancellationToken.None);

        var first = await Assert.ThrowsAsync<SwarmException>(() => Attempt("first-attempt-output"));
        var second = await Assert.ThrowsAsync<SwarmException>(() => Attempt("second-attempt-output"));

        Assert.Equal("SiteStartFailed", first.ErrorId);
        Assert.Contains("first-attempt-output", first.Message);
        Assert.Equal("SiteStartFailed", second.ErrorId);
        Assert.Contains("second-attempt-output", second.Message);
        Assert.DoesNotContain("first-attempt-output", second.Message);
        Assert.Contains("first-attempt-output", File.ReadAllText(_bed.Layout("two-attempts", "alpha").LauncherLog));
    }

    [Fact]
    public async Task Cancelling_the_wait_for_a_detached_launcher_stops_it()
    {
        // A launcher that never registers: the operator gives up with Ctrl+C.
        var options = _bed.Options(FileSleeper, "cancel-wait", "alpha");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DetachedSiteLaunch.StartAsync(
            options, _bed.Client, _ => new[] { "sleep", "377" }, new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), null, cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        var left = Directory.EnumerateDirectories("/proc")
            .Select(directory => Path.Combine(directory, "cmdline"))
            .Where(file => { try { return File.ReadAllText(file) == "sleep\0377\0"; } catch (IOException) { return false; } })
            .ToList();
        Assert.Empty(left);
    }

    [Fact]
    public async Task A_site_already_running_here_is_refused_before_detaching()
    {
        var file = _bed.WriteRunningCampaign();
        var started = await _bed.StartDetachedSiteAsync(file, "twice-run", "alpha");

        var error = await Assert.ThrowsAsync<SwarmException>(() => _bed.StartDetachedSiteAsync(file, "twice-run", "alpha"));

        Assert.Equal("SiteAlreadyRunning", error.ErrorId);
        Assert.Contains($"launcher pid {started.Launcher!.Pid}", error.Message);
        Assert.Contains("Stop-SwarmSite -RunId twice-run -Site alpha", error.Remediation);
        Assert.True(started.State is SiteState.WaitingForPeers or SiteState.Running, $"returned at {started.State}, before its agents were registered");
        await SiteStopper.StopAsync(_bed.Layout("twice-run", "alpha"), _bed.Client, TimeSpan.FromSeconds(2));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("twice-run"));
    }
}
