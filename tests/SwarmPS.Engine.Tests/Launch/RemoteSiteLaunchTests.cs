using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// Start-SwarmSite's remote path in the engine: site beta lives "on another machine" (another user behind a
/// real sshd); its slice is staged and started over SSH, runs there as that user under its run root, and
/// is stopped over SSH, leaving nothing behind.
/// </summary>
[Collection(RemoteUserCollection.Name)]
public sealed class RemoteSiteLaunchTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();
    private readonly RemoteUserFixture _remote;
    private readonly ITestOutputHelper _output;

    public RemoteSiteLaunchTests(RemoteUserFixture remote, ITestOutputHelper output)
    {
        _remote = remote;
        _output = output;
    }

    public void Dispose() => _bed.Dispose();

    /// <summary>Beta as the operator's catalog has it: reached over ssh, run root relative to the remote home.</summary>
    private SiteProfile RemoteBeta => _bed.Site("beta") with { Ssh = _remote.Settings(), RunRoot = "swarm-runs" };

    private SiteLaunchOptions RemoteOptions(string campaignFile, string runId) =>
        _bed.Options(CampaignLoader.Load(campaignFile), runId, "beta") with { Site = RemoteBeta };

    [Fact]
    public async Task A_remote_site_counts_with_a_local_one_as_the_remote_user_and_stops_leaving_nothing()
    {
        var runId = $"remote-counter-{Guid.NewGuid():N}"[..24];
        // Beta waits for its peer from its own start, through alpha's start on a loaded CI machine (a CI run saw
        // that take over 30 s): the test is about users and processes, not start-up speed.
        var campaignFile = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml(startupTimeout: 120));

        var started = await RemoteSiteLaunch.StartAsync(RemoteOptions(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        _output.WriteLine($"beta started on {started.Target} ({started.Host}), pid {started.Pid}, in {started.SiteDirectory}");

        // Not a local launch in disguise: the launcher and the agent run as the remote user, under its home.
        Assert.Equal(_remote.Uid, RemoteUserFixture.UidOf(started.Pid));
        Assert.StartsWith(_remote.Home + "/swarm-runs/", started.SiteDirectory);
        Assert.Equal(started.Pid, started.Status.Launcher!.Pid);
        Assert.Equal(Environment.MachineName, started.Status.Launcher.Host);
        var pong = await RemoteSiteWait.AgentProcessAsync(RemoteBeta, runId, "pong");
        Assert.Equal(_remote.Uid, RemoteUserFixture.UidOf(pong));

        var alpha = await new SiteLauncher(_bed.Options(CampaignLoader.Load(campaignFile), runId, "alpha", bootstrap: true), _bed.Client)
            .RunAsync(CancellationToken.None);
        Assert.Equal(SiteState.Finished, alpha.State);
        var beta = await RemoteSiteWait.FinalStatusAsync(RemoteBeta, runId);
        Assert.True(beta.State == SiteState.Finished, $"beta is {beta.State}: {beta.Status.Problem}");
        Assert.All(beta.Agents, agent => Assert.Equal(0, agent.LastExitCode));

        var events = await RemoteSiteRun.ReadEventLinesAsync(RemoteBeta, runId, CancellationToken.None);
        Assert.Contains(events, line => line.Contains("\"site_finished\"", StringComparison.Ordinal));
        Assert.Equal(5, events.Count(line => line.Contains("\"message_sent\"", StringComparison.Ordinal)));

        var stop = await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.Empty(stop.StoppedPids);
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
        Assert.False(File.Exists(Path.Combine(started.SiteDirectory, "launcher.env")), "the token file is removed once the launcher read it");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(started.SiteDirectory, "launcher.log")));
    }

    [Fact]
    public async Task Stop_over_ssh_ends_the_remote_launcher_and_agents_and_a_second_stop_finds_nothing()
    {
        var runId = $"remote-stop-{Guid.NewGuid():N}"[..24];
        var campaignFile = _bed.WriteCampaign(SleeperCampaign);

        var started = await RemoteSiteLaunch.StartAsync(RemoteOptions(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        var sleeper = await RemoteSiteWait.AgentProcessAsync(RemoteBeta, runId, "sleeper");
        Assert.Equal(_remote.Uid, RemoteUserFixture.UidOf(sleeper));
        Assert.Equal(_remote.Uid, RemoteUserFixture.UidOf(started.Pid));

        var stop = await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.True(stop.LauncherWasRunning);
        Assert.Contains(started.Pid, stop.StoppedPids);
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
        Assert.False(Directory.Exists($"/proc/{started.Pid}") && File.ReadAllText($"/proc/{started.Pid}/cmdline").Contains("SwarmPS.SiteHost"));
        var status = await RemoteSiteRun.ReadStatusAsync(RemoteBeta, runId, CancellationToken.None);
        Assert.Equal(SiteState.Stopped, status.State);

        var again = await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        Assert.False(again.LauncherWasRunning);
        Assert.Empty(again.StoppedPids);
    }

    [Fact]
    public async Task A_second_start_of_a_running_remote_site_is_refused_and_leaves_the_first_running()
    {
        var runId = $"remote-twice-{Guid.NewGuid():N}"[..24];
        var campaignFile = _bed.WriteCampaign(SleeperCampaign);
        var first = await RemoteSiteLaunch.StartAsync(RemoteOptions(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
        var sleeper = await RemoteSiteWait.AgentProcessAsync(RemoteBeta, runId, "sleeper");

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            RemoteSiteLaunch.StartAsync(RemoteOptions(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None));

        Assert.Equal("SiteAlreadyRunning", error.ErrorId);
        Assert.True(Directory.Exists($"/proc/{first.Pid}") && Directory.Exists($"/proc/{sleeper}"), "the first launch's launcher and agent still run");
        var status = await RemoteSiteRun.ReadStatusAsync(RemoteBeta, runId, CancellationToken.None);
        Assert.Equal(first.Pid, status.Pid);
        Assert.True(status.LauncherAlive);

        await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        var again = await Assert.ThrowsAsync<SwarmException>(() =>
            RemoteSiteLaunch.StartAsync(RemoteOptions(campaignFile, runId), LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None));
        Assert.Equal("RunIdAlreadyUsed", again.ErrorId);
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }

    private const string SleeperCampaign = """
        name: remote-stop
        initial_agent: sleeper
        user_task: wait
        agents:
          - name: sleeper
            site: beta
            command: ["sleep", "300"]
        """;

    [Fact]
    public async Task The_site_host_is_staged_once_owner_only_and_reused_while_unchanged()
    {
        var shell = new OpenSshShell(_remote.Settings());
        var login = await RemoteLogin.ProbeAsync(shell, CancellationToken.None);
        var first = await RemoteSiteHost.EnsureAsync(shell, login, LaunchTestBed.SiteHostDirectory, CancellationToken.None);
        var marker = File.GetLastWriteTimeUtc(Path.Combine(first, ".staged"));
        var second = await RemoteSiteHost.EnsureAsync(shell, login, LaunchTestBed.SiteHostDirectory, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.StartsWith(_remote.Home + "/.swarmps/site-host/", first);
        Assert.Equal(marker, File.GetLastWriteTimeUtc(Path.Combine(first, ".staged")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_remote.Home, ".swarmps")));
        Assert.True(File.Exists(Path.Combine(first, RemoteSiteHost.Assembly)));
    }

    [Fact]
    public async Task A_remote_login_without_dotnet_is_RemoteDotnetNotFound_before_anything_is_staged()
    {
        // A PATH on the remote with sh and hostname but no dotnet (the profile's environment reaches every command).
        var bin = Directory.CreateTempSubdirectory("swarmps-nodotnet-").FullName;
        try
        {
            File.SetUnixFileMode(bin, (UnixFileMode)0b111_101_101);
            File.CreateSymbolicLink(Path.Combine(bin, "sh"), "/bin/sh");
            File.CreateSymbolicLink(Path.Combine(bin, "hostname"), "/bin/hostname");
            var runId = $"remote-nodotnet-{Guid.NewGuid():N}"[..24];
            var options = RemoteOptions(_bed.WriteCampaign(SleeperCampaign), runId);
            options = options with { Site = options.Site with { Environment = new Dictionary<string, string> { ["PATH"] = bin } } };

            var error = await Assert.ThrowsAsync<SwarmException>(() =>
                RemoteSiteLaunch.StartAsync(options, LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(30), null, CancellationToken.None));

            Assert.Equal("RemoteDotnetNotFound", error.ErrorId);
            Assert.Contains("swarmps-remote@127.0.0.1", error.Message);
            Assert.False(Directory.Exists(Path.Combine(_remote.Home, "swarm-runs", runId)), "nothing was staged");
        }
        finally
        {
            Directory.Delete(bin, recursive: true);
        }
    }

    [Fact]
    public async Task A_site_without_ssh_settings_is_refused_as_not_remote()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => RemoteSiteRun.StopAsync(_bed.Site("beta"), "some-run", null, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal("SiteNotRemote", error.ErrorId);
    }

    [Fact]
    public async Task Stopping_a_run_the_remote_never_started_is_RunNotFound()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => RemoteSiteRun.StopAsync(RemoteBeta, "never-started", null, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal("RunNotFound", error.ErrorId);
        Assert.Contains(_remote.Home + "/swarm-runs/never-started/beta", error.Message);
    }
}
