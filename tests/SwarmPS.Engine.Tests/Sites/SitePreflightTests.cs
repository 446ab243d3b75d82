using System.Diagnostics;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

[Collection(SshdCollection.Name)]
public sealed class SitePreflightTests(SshdFixture sshd) : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-preflight-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private string CacheDirectory => Path.Combine(_scratch.FullName, "cache");

    private SiteProfile RemoteSite(SshSettings? ssh = null, SchedulerKind scheduler = SchedulerKind.Local, string? runRoot = null) => new()
    {
        Name = "loopback",
        Scheduler = scheduler,
        Ssh = ssh ?? sshd.Settings(),
        RunRoot = runRoot ?? Path.Combine(_scratch.FullName, "run root"),
        Source = "test profile",
    };

    [Fact]
    public async Task All_checks_pass_against_the_real_sshd()
    {
        var progress = new List<string>();

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(), progress: new SynchronousProgress(progress));

        Assert.Equal(
            new[] { SitePreflight.SshClient, SitePreflight.SshKey, SitePreflight.TcpReach, SitePreflight.SshLogin, SitePreflight.SchedulerCommandsCheck, SitePreflight.RunRootWritable, SitePreflight.ClockSkew },
            checks.Select(check => check.Name));
        Assert.All(checks, check => Assert.True(check.Status == PreflightStatus.Pass, $"{check.Name}: {check.Status} {check.Detail}"));
        Assert.All(checks, check => Assert.Equal("loopback", check.Site));
        Assert.All(checks, check => Assert.False(check.FromCache));
        Assert.Equal(checks.Select(check => $"loopback: {check.Name}"), progress);
        Assert.True(Directory.Exists(Path.Combine(_scratch.FullName, "run root")));
        Assert.Contains("OpenSSH", checks[0].Detail);
        Assert.Contains("mode 0600", checks[1].Detail);
    }

    [Theory]
    [InlineData(SchedulerKind.Slurm)]
    [InlineData(SchedulerKind.Pbs)]
    [InlineData(SchedulerKind.Sge)]
    public async Task Scheduler_commands_are_looked_up_on_the_far_side(SchedulerKind scheduler)
    {
        // The far side is this machine: work out independently (PATH of an ssh login, files on disk)
        // which of the scheduler's commands exist, and hold the check to that.
        var path = (await new OpenSshShell(sshd.Settings()).RunAsync(new ShellCommand("printenv", "PATH"))).StandardOutput.Trim();
        var absent = SchedulerAdapters.RequiredCommands(scheduler)
            .Where(command => !path.Split(':').Any(directory => File.Exists(Path.Combine(directory, command))))
            .ToList();

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(scheduler: scheduler));

        var check = checks.Single(check => check.Name == SitePreflight.SchedulerCommandsCheck);
        if (absent.Count == 0)
        {
            Assert.Equal(PreflightStatus.Pass, check.Status);
            Assert.All(SchedulerAdapters.RequiredCommands(scheduler), command => Assert.Contains(command, check.Detail));
        }
        else
        {
            Assert.Equal(PreflightStatus.Fail, check.Status);
            Assert.All(absent, command => Assert.Contains(command, check.Detail));
            Assert.Contains("Fix:", check.Detail);
        }
    }

    [Fact]
    public async Task Command_lookup_over_ssh_tells_found_from_missing()
    {
        var shell = new OpenSshShell(sshd.Settings());

        var (lookup, _) = await CommandLookup.RunAsync(shell, ["sh", "swarmps-no-such-command", "odd name;$(id)"], TimeSpan.FromSeconds(30), default);

        Assert.NotNull(lookup);
        Assert.True(File.Exists(lookup!.Found["sh"]));
        Assert.Equal(new[] { "swarmps-no-such-command", "odd name;$(id)" }, lookup.Missing);
    }

    [Fact]
    public async Task Local_scheduler_needs_no_commands()
    {
        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(scheduler: SchedulerKind.Local));

        var scheduler = checks.Single(check => check.Name == SitePreflight.SchedulerCommandsCheck);
        Assert.Equal(PreflightStatus.Pass, scheduler.Status);
        Assert.Contains("needs no batch commands", scheduler.Detail);
    }

    [Fact]
    public async Task Unwritable_run_root_fails_with_the_fix()
    {
        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(runRoot: "/proc/swarmps-runs"));

        var runRoot = checks.Single(check => check.Name == SitePreflight.RunRootWritable);
        Assert.Equal(PreflightStatus.Fail, runRoot.Status);
        Assert.Contains("/proc/swarmps-runs", runRoot.Detail);
        Assert.Contains("run_root in test profile", runRoot.Detail);
        Assert.False(File.Exists(new PreflightCache(CacheDirectory).PathFor("loopback")));
    }

    [Fact]
    public async Task Tilde_run_root_means_the_remote_home()
    {
        var relative = $"~/.swarmps-preflight-test-{Guid.NewGuid():N}";
        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(runRoot: relative));
        var created = OpenSshShell.ExpandHome(relative);
        try
        {
            var runRoot = checks.Single(check => check.Name == SitePreflight.RunRootWritable);
            Assert.Equal(PreflightStatus.Pass, runRoot.Status);
            Assert.Contains(Path.GetFileName(created), runRoot.Detail);
            Assert.True(Directory.Exists(created));
        }
        finally
        {
            Directory.Delete(created, recursive: true);
        }
    }

    [Fact]
    public async Task Closed_port_fails_tcp_reach_with_a_fix_and_skips_the_rest_quickly()
    {
        var ssh = sshd.Settings(controlPath: null, port: OpenSshShellTests.ClosedPort());
        var clock = Stopwatch.StartNew();

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(ssh));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var tcp = checks.Single(check => check.Name == SitePreflight.TcpReach);
        Assert.Equal(PreflightStatus.Fail, tcp.Status);
        Assert.Contains("refused", tcp.Detail);
        Assert.Contains("Fix:", tcp.Detail);
        Assert.Contains("port", tcp.Detail[tcp.Detail.IndexOf("Fix:", StringComparison.Ordinal)..]);
        foreach (var name in new[] { SitePreflight.SshLogin, SitePreflight.SchedulerCommandsCheck, SitePreflight.RunRootWritable, SitePreflight.ClockSkew })
        {
            var check = checks.Single(check => check.Name == name);
            Assert.Equal(PreflightStatus.Fail, check.Status);
            Assert.Contains("Skipped because", check.Detail);
        }
    }

    [Fact]
    public async Task Unroutable_host_fails_within_the_connect_timeout()
    {
        // 192.0.2.0/24 is TEST-NET-1: never routed, so the connect either times out or is refused at once.
        var ssh = sshd.Settings(controlPath: null) with { Host = "192.0.2.1", Port = 22, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(ssh));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var tcp = checks.Single(check => check.Name == SitePreflight.TcpReach);
        Assert.Equal(PreflightStatus.Fail, tcp.Status);
        Assert.Contains("Fix:", tcp.Detail);
        Assert.Contains("Skipped because 'TCP reach' failed", checks.Single(check => check.Name == SitePreflight.SshLogin).Detail);
    }

    [Fact]
    public async Task Refused_key_fails_login_and_names_the_key_fix()
    {
        var key = Path.Combine(_scratch.FullName, "stranger");
        Assert.Equal(0, (await ProcessRunner.RunAsync(new ShellCommand("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key))).ExitCode);

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(sshd.Settings(controlPath: null, identityFile: key)));

        var login = checks.Single(check => check.Name == SitePreflight.SshLogin);
        Assert.Equal(PreflightStatus.Fail, login.Status);
        Assert.StartsWith("SshAuthenticationFailed", login.Detail);
        Assert.Contains("ssh-copy-id", login.Detail);
        Assert.Contains("Skipped because 'SSH login' failed", checks.Single(check => check.Name == SitePreflight.ClockSkew).Detail);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_others_can_read_fails_with_chmod()
    {
        var key = Path.Combine(_scratch.FullName, "open-key");
        File.Copy(sshd.KeyFile, key);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(sshd.Settings(controlPath: null, identityFile: key)));

        var keyCheck = checks.Single(check => check.Name == SitePreflight.SshKey);
        Assert.Equal(PreflightStatus.Fail, keyCheck.Status);
        Assert.Contains("0644", keyCheck.Detail);
        Assert.Contains($"chmod 600 {key}", keyCheck.Detail);
    }

    [Fact]
    public async Task A_missing_key_file_fails_with_ssh_keygen()
    {
        var key = Path.Combine(_scratch.FullName, "absent");

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(sshd.Settings(controlPath: null, identityFile: key)));

        var keyCheck = checks.Single(check => check.Name == SitePreflight.SshKey);
        Assert.Equal(PreflightStatus.Fail, keyCheck.Status);
        Assert.Contains("does not exist", keyCheck.Detail);
        Assert.Contains("ssh-keygen", keyCheck.Detail);
    }

    [Fact]
    public async Task A_missing_ssh_client_fails_the_first_check_and_skips_the_network()
    {
        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory, sshProgram: "/nonexistent/ssh").RunAsync(RemoteSite());

        Assert.Equal(PreflightStatus.Fail, checks[0].Status);
        Assert.Contains("openssh-client", checks[0].Detail);
        Assert.Contains("Skipped because 'SSH client' failed", checks.Single(check => check.Name == SitePreflight.TcpReach).Detail);
    }

    [Fact]
    public async Task Green_result_is_cached_and_Force_reprobes()
    {
        var preflight = new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory);
        var site = RemoteSite();
        var first = await preflight.RunAsync(site);
        Assert.All(first, check => Assert.Equal(PreflightStatus.Pass, check.Status));
        Assert.True(File.Exists(preflight.Cache.PathFor("loopback")));

        var progress = new List<string>();
        var cached = await preflight.RunAsync(site, progress: new SynchronousProgress(progress));
        Assert.All(cached, check => Assert.True(check.FromCache));
        Assert.Equal(first.Select(check => (check.Name, check.Detail)), cached.Select(check => (check.Name, check.Detail)));
        Assert.Contains("cached", Assert.Single(progress));

        var forced = await preflight.RunAsync(site, force: true);
        Assert.All(forced, check => Assert.False(check.FromCache));
        Assert.True(forced[0].CheckedAt > first[0].CheckedAt);
    }

    [Fact]
    public async Task Cache_expires_after_a_day()
    {
        var preflight = new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory);
        var site = RemoteSite();
        await preflight.RunAsync(site);
        var path = preflight.Cache.PathFor("loopback");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["checked_at"] = DateTimeOffset.UtcNow.AddHours(-25).ToString("o");
        File.WriteAllText(path, json.ToJsonString());

        var again = await preflight.RunAsync(site);

        Assert.All(again, check => Assert.False(check.FromCache));
    }

    [Fact]
    public async Task Cache_is_not_used_for_a_changed_profile()
    {
        var preflight = new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory);
        await preflight.RunAsync(RemoteSite());

        var moved = await preflight.RunAsync(RemoteSite(runRoot: Path.Combine(_scratch.FullName, "elsewhere")));

        Assert.All(moved, check => Assert.False(check.FromCache));
    }

    [Fact]
    public async Task A_red_result_replaces_a_cached_green_one()
    {
        var preflight = new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory);
        var site = RemoteSite();
        await preflight.RunAsync(site);
        Assert.True(File.Exists(preflight.Cache.PathFor("loopback")));

        // Same fingerprint, now failing: the forced re-probe must not leave yesterday's green behind.
        Directory.CreateDirectory(site.RunRoot);
        File.SetUnixFileMode(site.RunRoot, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var checks = await preflight.RunAsync(site, force: true);
            if (Environment.UserName == "root")
            {
                // root writes anyway; the remaining assertions would then prove nothing about red results.
                Assert.All(checks, check => Assert.Equal(PreflightStatus.Pass, check.Status));
                await preflight.RunAsync(RemoteSite(runRoot: "/proc/x") with { Name = "loopback" }, force: true);
                Assert.False(File.Exists(preflight.Cache.PathFor("loopback")));
                return;
            }

            Assert.Contains(checks, check => check.Status == PreflightStatus.Fail);
            Assert.False(File.Exists(preflight.Cache.PathFor("loopback")));
        }
        finally
        {
            File.SetUnixFileMode(site.RunRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task A_corrupt_cache_file_is_ignored()
    {
        var preflight = new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory);
        Directory.CreateDirectory(CacheDirectory);
        File.WriteAllText(preflight.Cache.PathFor("loopback"), "{ not json");

        var checks = await preflight.RunAsync(RemoteSite());

        Assert.All(checks, check => Assert.False(check.FromCache));
        Assert.All(checks, check => Assert.Equal(PreflightStatus.Pass, check.Status));
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(RemoteSite(), cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Local_site_checks_run_root_and_scheduler_commands_here()
    {
        var site = new SiteProfile { Name = "here", RunRoot = Path.Combine(_scratch.FullName, "local runs"), Scheduler = SchedulerKind.Sge };

        var checks = await new SitePreflight(SchedulerAdapters.RequiredCommands, CacheDirectory).RunAsync(site);

        Assert.Equal(new[] { SitePreflight.SchedulerCommandsCheck, SitePreflight.RunRootWritable }, checks.Select(check => check.Name));
        var hasSge = (await ProcessRunner.RunAsync(new ShellCommand("sh", "-c", "command -v qacct"))).Succeeded;
        Assert.Equal(hasSge ? PreflightStatus.Pass : PreflightStatus.Fail, checks[0].Status);
        Assert.Equal(PreflightStatus.Pass, checks[1].Status);
        Assert.True(Directory.Exists(site.RunRoot));
    }

    [Theory]
    [InlineData("1700000000.250000000", 1700000000.25)]
    [InlineData("1700000000.N", 1700000000.0)]
    [InlineData("1700000000\n", 1700000000.0)]
    public void Remote_date_output_parses(string text, double expected)
    {
        Assert.True(SitePreflight.TryParseEpoch(text, out var time));
        Assert.Equal(expected, time.ToUnixTimeMilliseconds() / 1000.0, 3);
    }

    [Fact]
    public void Garbage_date_output_is_refused()
    {
        Assert.False(SitePreflight.TryParseEpoch("date: invalid", out _));
    }

    /// <summary>Records reports in order, on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<string> into) : IProgress<string>
    {
        public void Report(string value) => into.Add(value);
    }
}
