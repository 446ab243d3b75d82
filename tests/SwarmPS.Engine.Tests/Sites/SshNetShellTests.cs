using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>
/// What only the in-process SSH.NET transport has to prove against the real sshd (the shared shell
/// contract, byte-exact argv included, runs for both transports in <see cref="OpenSshShellTests"/>):
/// one connection for many commands, a new one after a drop, known_hosts checking, key handling.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshNetShellTests(SshdFixture sshd) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("swarmps-sshnet-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Many_commands_share_one_connection()
    {
        using var shell = new SshNetShell(sshd.SshNetSettings());

        var results = new List<ShellResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(await shell.RunAsync(new ShellCommand("echo", i.ToString())));
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{i}\n"), results.Select(result => result.StandardOutput));
        Assert.Equal(1, shell.Connections);
    }

    [Fact]
    public async Task Commands_run_at_once_over_one_connection()
    {
        using var shell = new SshNetShell(sshd.SshNetSettings());

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => shell.RunAsync(new ShellCommand("sh", "-c", "sleep 0.2; echo \"$1\"", "sh", i.ToString()))));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"{i}\n"), results.Select(result => result.StandardOutput));
        Assert.Equal(1, shell.Connections);
    }

    [Fact]
    public async Task A_dropped_connection_is_replaced_by_the_next_command()
    {
        using var shell = new SshNetShell(sshd.SshNetSettings());
        Assert.Equal(0, (await shell.RunAsync(new ShellCommand("true"))).ExitCode);

        // Kill the sshd process that serves this connection (the nearest sshd ancestor of the command),
        // as a rebooted login node or a NAT that forgot the link would end it.
        const string killServer = "p=$$; while [ \"$p\" -gt 1 ]; do case \"$(cat /proc/$p/comm)\" in sshd*) kill -9 \"$p\"; exit 0;; esac; "
            + "p=$(awk '{print $4}' /proc/$p/stat); done; exit 9";
        var during = await Record.ExceptionAsync(() => shell.RunAsync(new ShellCommand("sh", "-c", killServer)));
        var error = Assert.IsType<SwarmException>(during);
        Assert.Equal("SiteUnreachable", error.ErrorId);
        await WaitUntilAsync(async () => (await Record.ExceptionAsync(() => shell.RunAsync(new ShellCommand("true")))) is null);

        var after = await shell.RunAsync(new ShellCommand("echo", "back"));

        Assert.Equal("back\n", after.StandardOutput);
        Assert.Equal(2, shell.Connections);
    }

    [Fact]
    public async Task An_unknown_host_key_is_refused_with_the_command_that_adds_it()
    {
        var empty = Path.Combine(_directory.FullName, "known_hosts");
        await File.WriteAllTextAsync(empty, "# nothing known\n");
        using var shell = new SshNetShell(WithKnownHosts(empty));

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

        Assert.Equal("SshHostKeyUnknown", error.ErrorId);
        Assert.Contains("ssh-ed25519 SHA256:", error.Message);
        Assert.Contains(empty, error.Message);
        Assert.Contains($"ssh-keyscan -p {sshd.Port} 127.0.0.1 >> ~/.ssh/known_hosts", error.Remediation);
        Assert.Contains("fingerprint", error.Remediation);
        Assert.Equal(0, shell.Connections);
    }

    [Fact]
    public async Task A_changed_host_key_is_SshHostKeyRejected()
    {
        var other = await NewKeyAsync("other_host_key");
        var changed = Path.Combine(_directory.FullName, "known_hosts");
        var otherPublic = (await File.ReadAllTextAsync(other + ".pub")).Split(' ');
        await File.WriteAllTextAsync(changed, $"[127.0.0.1]:{sshd.Port} {otherPublic[0]} {otherPublic[1]}\n");
        using var shell = new SshNetShell(WithKnownHosts(changed));

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

        Assert.Equal("SshHostKeyRejected", error.ErrorId);
        Assert.Contains("HAS CHANGED", error.Message);
        Assert.Contains($"ssh-keygen -R '[127.0.0.1]:{sshd.Port}'", error.Remediation);
    }

    [Fact]
    public async Task A_hashed_known_hosts_line_is_recognised()
    {
        var hashed = Path.Combine(_directory.FullName, "known_hosts");
        File.Copy(sshd.KnownHosts, hashed);
        var hash = await ProcessRunner.RunAsync(new ShellCommand("ssh-keygen", "-H", "-f", hashed));
        Assert.Equal(0, hash.ExitCode);
        Assert.StartsWith("|1|", await File.ReadAllTextAsync(hashed));
        using var shell = new SshNetShell(WithKnownHosts(hashed));

        var result = await shell.RunAsync(new ShellCommand("true"));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_key_the_site_does_not_know_is_SshAuthenticationFailed()
    {
        var key = await NewKeyAsync("id_ed25519");
        using var shell = new SshNetShell(sshd.SshNetSettings(identityFile: key));

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

        Assert.Equal("SshAuthenticationFailed", error.ErrorId);
        Assert.Contains("Permission denied (publickey)", error.Message);
        Assert.Contains("ssh-copy-id", error.Remediation);
        Assert.Contains("identity_file", error.Remediation);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_open_to_others_or_with_a_passphrase_or_missing_is_SshKeyUnusable()
    {
        var open = await NewKeyAsync("open_key");
        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var locked = await NewKeyAsync("locked_key", passphrase: "secret words");
        var missing = Path.Combine(_directory.FullName, "no_such_key");

        foreach (var (key, said) in new[] { (open, "readable or writable by others"), (locked, "passphrase"), (missing, "does not exist") })
        {
            using var shell = new SshNetShell(sshd.SshNetSettings(identityFile: key));

            var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

            Assert.Equal("SshKeyUnusable", error.ErrorId);
            Assert.Contains(key, error.Message);
            Assert.Contains(said, error.Message);
            Assert.Contains("client: openssh", error.Remediation);
        }
    }

    [Fact]
    public async Task Closed_port_is_SiteUnreachable_with_the_fix()
    {
        using var shell = new SshNetShell(sshd.SshNetSettings(port: OpenSshShellTests.ClosedPort()));

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

        Assert.Equal("SiteUnreachable", error.ErrorId);
        Assert.Contains("Connection refused", error.Message);
        Assert.Contains("Test-SwarmSite", error.Remediation);
    }

    [Theory]
    [InlineData("ProxyJump", "bastion", "'ProxyJump' is not supported")]
    [InlineData("ControlMaster", "auto", "'ControlMaster' is not supported")]
    [InlineData("StrictHostKeyChecking", "accept-new", "StrictHostKeyChecking=yes")]
    public void OpenSsh_only_options_are_refused_not_ignored(string name, string value, string said)
    {
        var settings = sshd.SshNetSettings() with { Options = new Dictionary<string, string> { [name] = value } };

        var error = Assert.Throws<SwarmException>(() => new SshNetShell(settings));

        Assert.Equal("SshSettingNotSupported", error.ErrorId);
        Assert.Contains(said, error.Message);
        Assert.Contains("client: openssh", error.Remediation);
    }

    [Fact]
    public void Site_shells_of_one_site_share_their_SshNet_shell()
    {
        var site = new SiteProfile { Name = "lab", RunRoot = "runs", Ssh = sshd.SshNetSettings() };

        Assert.Same(SiteShell.For(site), SiteShell.For(site));
        Assert.NotSame(SiteShell.For(site), SiteShell.For(site with { Ssh = sshd.SshNetSettings(port: 1) }));
    }

    [Fact]
    public void Known_hosts_patterns_follow_ssh()
    {
        var key = Convert.FromBase64String(File.ReadAllText(sshd.KnownHosts).Split(' ')[2]);
        var blob = Convert.ToBase64String(key);
        var file = Path.Combine(_directory.FullName, "patterns");
        File.WriteAllText(file, $"""
            # comment, then a line that does not parse
            garbage
            *.example.org,!bad.example.org ssh-ed25519 {blob}
            [10.0.0.?]:2200 ssh-ed25519 {blob}
            @revoked revoked.example.org ssh-ed25519 {blob}
            revoked.example.org ssh-ed25519 {blob}
            """);

        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check([file], "login.example.org", 22, key));
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check([file], "bad.example.org", 22, key));
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check([file], "login.example.org", 2200, key));
        Assert.Equal(HostKeyVerdict.Known, KnownHosts.Check([file], "10.0.0.7", 2200, key));
        Assert.Equal(HostKeyVerdict.Revoked, KnownHosts.Check([file], "revoked.example.org", 22, key));
        Assert.Equal(HostKeyVerdict.Unknown, KnownHosts.Check([file, "/nonexistent/known_hosts"], "other.host", 22, key));
    }

    private SshSettings WithKnownHosts(string file) => sshd.SshNetSettings() with
    {
        Options = new Dictionary<string, string> { ["UserKnownHostsFile"] = file },
    };

    private async Task<string> NewKeyAsync(string name, string passphrase = "")
    {
        var key = Path.Combine(_directory.FullName, name);
        var keygen = await ProcessRunner.RunAsync(new ShellCommand("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", key));
        Assert.Equal(0, keygen.ExitCode);
        return key;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within 20 s");
            await Task.Delay(100);
        }
    }
}
