using System.Diagnostics;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// exchange_tunnel: true on a remote site (another user behind the real sshd on 127.0.0.1:2223): the launch
/// opens a reverse tunnel through the login host first and gives the remote launcher and its agents the
/// tunnel's URL; a failed or cancelled launch closes it, Stop-SwarmSite closes it, and a tunnel whose opener
/// was killed with -9 is ended by the next stop or start. The tunnel's records live under
/// RemoteExchangeTunnel.RecordDirectory (the operator's state folder), one folder per run and site.
/// </summary>
[Collection(RemoteUserCollection.Name)]
public sealed class RemoteExchangeTunnelTests(RemoteUserFixture remote) : IAsyncLifetime
{
    private readonly LaunchTestBed _bed = new();
    private readonly List<string> _runs = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Whatever a failed assertion left open: this test's tunnels by their records, then the bed.
        foreach (var runId in _runs)
        {
            await RemoteExchangeTunnel.CloseAllAsync(runId, "beta", CancellationToken.None);
        }

        _bed.Dispose();
    }

    private SiteProfile TunnelledBeta => _bed.Site("beta") with { Ssh = remote.Settings(), RunRoot = "swarm-runs", ExchangeTunnel = true };

    private string NewRun(string prefix)
    {
        var runId = $"{prefix}-{Guid.NewGuid():N}"[..24];
        _runs.Add(runId);
        return runId;
    }

    private SiteLaunchOptions Options(string campaignFile, string runId) =>
        _bed.Options(CampaignLoader.Load(campaignFile), runId, "beta") with { Site = TunnelledBeta };

    private static IReadOnlyList<ReverseTunnelRecord> Records(string runId) =>
        ReverseTunnelRecord.ReadAll(RemoteExchangeTunnel.RecordDirectory(runId, "beta")).Select(entry => entry.Record).ToList();

    [Fact]
    public async Task The_remote_agents_reach_the_exchange_through_the_tunnel_and_stop_closes_it()
    {
        var runId = NewRun("tunnel-count");
        var campaignFile = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml());
        var direct = _bed.Exchange.Url.ToString();

        var started = await RemoteSiteLaunch.StartAsync(Options(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);

        var tunnel = Assert.Single(Records(runId));
        Assert.True(tunnel.Ssh.IsAlive, "the tunnel stays open for the running site once the launch returned");
        Assert.Equal(direct, tunnel.LocalUrl);
        Assert.NotEqual(direct, tunnel.Url);
        Assert.Equal($"http://127.0.0.1:{tunnel.RemotePort}/", tunnel.Url);
        // The launcher and its agent were told the tunnel's URL, not the operator's.
        Assert.Equal(tunnel.Url, started.Status.ExchangeUrl);
        var pong = await RemoteSiteWait.AgentProcessAsync(TunnelledBeta, runId, "pong");
        Assert.Equal(remote.Uid, RemoteUserFixture.UidOf(pong));
        Assert.Equal(tunnel.Url, EnvironmentOf(pong, "SWARM_EXCHANGE_URL"));

        var alpha = await new SiteLauncher(_bed.Options(CampaignLoader.Load(campaignFile), runId, "alpha", bootstrap: true), _bed.Client)
            .RunAsync(CancellationToken.None);
        Assert.Equal(SiteState.Finished, alpha.State);
        var beta = await RemoteSiteWait.FinalStatusAsync(TunnelledBeta, runId);
        Assert.True(beta.State == SiteState.Finished, $"beta is {beta.State}: {beta.Status.Problem}");
        Assert.All(beta.Agents, agent => Assert.Equal(0, agent.LastExitCode));

        // Stop-SwarmSite terminates mailboxes from here: through the tunnel's local end, never its far URL.
        Assert.Equal(direct, await RemoteSiteRun.OperatorExchangeUrlAsync(TunnelledBeta, runId, CancellationToken.None));
        await RemoteSiteRun.StopAsync(TunnelledBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.False(tunnel.Ssh.IsAlive, "Stop-SwarmSite ends the tunnel's ssh");
        Assert.False(Directory.Exists(RemoteExchangeTunnel.RecordDirectory(runId, "beta")), "and removes its records");
        Assert.Null(await RemoteSiteRun.OperatorExchangeUrlAsync(TunnelledBeta, runId, CancellationToken.None));
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }

    [Fact]
    public async Task A_launch_that_fails_after_the_tunnel_opened_closes_the_tunnel()
    {
        var runId = NewRun("tunnel-fail");
        var campaignFile = _bed.WriteCampaign("""
            name: tunnel-fail
            initial_agent: ghost
            user_task: fail
            agents:
              - name: ghost
                site: beta
                command: ["swarmps-no-such-program-7f3a"]
            """);
        using var watch = new TunnelWatch(runId);

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            RemoteSiteLaunch.StartAsync(Options(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None));

        Assert.Equal("AgentCommandNotFound", error.ErrorId);
        var seen = Assert.Single(await watch.StopAsync());
        Assert.False(seen.Ssh.IsAlive, "the failed launch's tunnel ssh was ended");
        Assert.Empty(Records(runId));
    }

    [Fact]
    public async Task A_launch_cancelled_once_its_tunnel_is_open_closes_the_tunnel()
    {
        var runId = NewRun("tunnel-cancel");
        var campaignFile = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml());
        using var cancel = new CancellationTokenSource();
        using var watch = new TunnelWatch(runId, onSeen: cancel.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RemoteSiteLaunch.StartAsync(Options(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, cancel.Token));

        var seen = Assert.Single(await watch.StopAsync());
        Assert.False(seen.Ssh.IsAlive, "the cancelled launch's tunnel ssh was ended");
        Assert.Empty(Records(runId));
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }

    [Fact]
    public async Task After_kill_9_of_the_opener_the_next_stop_and_the_next_start_end_the_orphaned_tunnel()
    {
        var runId = NewRun("tunnel-orphan");

        // Stop-SwarmSite: nothing ran there (RunNotFound), yet the orphan of this run and site is ended.
        var first = await OrphanAsync(runId);
        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            RemoteSiteRun.StopAsync(TunnelledBeta, runId, null, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal("RunNotFound", error.ErrorId);
        Assert.False(first.Ssh.IsAlive);
        Assert.Empty(Records(runId));

        // Start-SwarmSite: the orphan goes before the launch opens its own tunnel.
        var second = await OrphanAsync(runId);
        await RemoteSiteLaunch.StartAsync(Options(_bed.WriteCampaign(SleeperCampaign), runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        Assert.False(second.Ssh.IsAlive, "the start ended the orphaned tunnel");
        var own = Assert.Single(Records(runId));
        Assert.NotEqual(second.Id, own.Id);
        Assert.Equal(ProcessIdentity.Current, own.Opener);

        await RemoteSiteRun.StopAsync(TunnelledBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.False(own.Ssh.IsAlive);
        Assert.Empty(Records(runId));
    }

    [Fact]
    public async Task A_running_site_keeps_its_tunnel_when_a_second_start_is_refused()
    {
        var runId = NewRun("tunnel-twice");
        var campaignFile = _bed.WriteCampaign(SleeperCampaign);
        await RemoteSiteLaunch.StartAsync(Options(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        var tunnel = Assert.Single(Records(runId));

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            RemoteSiteLaunch.StartAsync(Options(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None));

        Assert.Equal("SiteAlreadyRunning", error.ErrorId);
        Assert.Equal(tunnel, Assert.Single(Records(runId)));
        Assert.True(tunnel.Ssh.IsAlive, "the refused start neither cleaned nor replaced the running site's tunnel");
        await RemoteSiteRun.StopAsync(TunnelledBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.False(tunnel.Ssh.IsAlive);
    }

    private const string SleeperCampaign = """
        name: tunnel-sleeper
        initial_agent: sleeper
        user_task: wait
        agents:
          - name: sleeper
            site: beta
            command: ["sleep", "300"]
        """;

    /// <summary>
    /// A tunnel of this run and site opened by SwarmPS.Tunnel.Opener (the engine's ReverseTunnel in a process
    /// of its own), whose opener is then killed with -9, as an operator's crashed Start-SwarmSite would be.
    /// </summary>
    private async Task<ReverseTunnelRecord> OrphanAsync(string runId)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var testsDirectory = output.Parent!.Parent!.Parent!.Parent!.FullName;
        var program = Path.Combine(testsDirectory, "SwarmPS.Tunnel.Opener", "bin", output.Parent!.Name, output.Name, "SwarmPS.Tunnel.Opener.dll");
        Assert.True(File.Exists(program), $"Build tests/SwarmPS.Tunnel.Opener first ({program}).");
        var settings = remote.Settings();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            program, settings.Port.ToString(), settings.User!, settings.IdentityFile!, settings.Options["UserKnownHostsFile"],
            new Uri(_bed.Exchange.Url.ToString()).Port.ToString(), RemoteExchangeTunnel.RecordDirectory(runId, "beta"),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var opener = Process.Start(start)!;
        var line = await opener.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
            ?? throw new InvalidOperationException("the opener exited: " + await opener.StandardError.ReadToEndAsync());
        var record = Assert.Single(Records(runId), r => r.OpenerPid == opener.Id);
        ProcessIdentity.Of(opener.Id).Signal(ProcessIdentity.SignalKill);
        await opener.WaitForExitAsync();
        Assert.True(record.Ssh.IsAlive, $"the orphan's ssh outlives its killed opener ({line})");
        return record;
    }

    private static string? EnvironmentOf(int pid, string name) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0').FirstOrDefault(entry => entry.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    /// <summary>Reads the run's tunnel records every few milliseconds while a launch runs: what it opened, even if it closed it since.</summary>
    private sealed class TunnelWatch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<List<ReverseTunnelRecord>> _watching;

        public TunnelWatch(string runId, Action? onSeen = null) => _watching = Task.Run(async () =>
        {
            var seen = new List<ReverseTunnelRecord>();
            while (!_stop.IsCancellationRequested)
            {
                foreach (var record in Records(runId).Where(record => !seen.Contains(record)))
                {
                    seen.Add(record);
                    onSeen?.Invoke();
                }

                await Task.Delay(10);
            }

            return seen;
        });

        public async Task<IReadOnlyList<ReverseTunnelRecord>> StopAsync()
        {
            _stop.Cancel();
            return await _watching;
        }

        public void Dispose() => _stop.Dispose();
    }
}
