using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>
/// The remote shell contract against the real sshd. Every test that takes a client runs through both
/// transports (the OpenSSH client and the in-process SSH.NET one): the same argv must arrive byte for byte.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class OpenSshShellTests(SshdFixture sshd)
{
    // Every word a careless remote shell would mangle: split, expand, substitute, glob or drop.
    public static readonly string[] HostileArguments =
    {
        "plain",
        "two words",
        "  leading and trailing  ",
        "single'quote",
        "double\"quote",
        "both ' and \"",
        "semi;colon; echo injected",
        "$(id)",
        "`id`",
        "${HOME}",
        "line one\nline two\n",
        "",
        "*",
        "/etc/*",
        "back\\slash\\n",
        "tab\there",
        "-n",
        "--",
        "~",
        "!bang",
        "a|b&c>d<e",
        "ünïcödé ✓ 日本",
    };

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Arguments_arrive_byte_for_byte(string client)
    {
        var shell = sshd.Shell(client);

        var result = await shell.RunAsync(new ShellCommand("printf", new[] { "%s\\0" }.Concat(HostileArguments).ToArray()));

        Assert.Equal(0, result.ExitCode);
        var expected = string.Concat(HostileArguments.Select(argument => argument + "\0"));
        Assert.Equal(expected, result.StandardOutput);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Program_name_with_a_space_is_one_word(string client)
    {
        var shell = sshd.Shell(client);

        var result = await shell.RunAsync(new ShellCommand("no such program", "x"));

        Assert.Equal(127, result.ExitCode);
        Assert.Contains("no such program", result.StandardError);
    }

    [Theory]
    [InlineData("openssh", 0)]
    [InlineData("openssh", 1)]
    [InlineData("openssh", 3)]
    [InlineData("openssh", 254)]
    [InlineData("sshnet", 0)]
    [InlineData("sshnet", 1)]
    [InlineData("sshnet", 3)]
    [InlineData("sshnet", 254)]
    [InlineData("sshnet", 255)]
    public async Task Remote_exit_codes_are_results_not_exceptions(string client, int code)
    {
        var shell = sshd.Shell(client);

        var result = await shell.RunAsync(new ShellCommand("sh", "-c", "echo out; echo err >&2; exit \"$1\"", "sh", code.ToString()));

        Assert.Equal(code, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Contains("err", result.StandardError);
        Assert.False(result.TimedOut);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Standard_input_bytes_arrive(string client)
    {
        var shell = sshd.Shell(client);
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Encoding.UTF8.GetBytes("ünïcödé\n")).ToArray();

        var result = await shell.RunAsync(new ShellCommand("od", "-An", "-v", "-tx1") { StandardInput = bytes });

        Assert.Equal(0, result.ExitCode);
        var received = result.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(hex => Convert.ToByte(hex, 16)).ToArray();
        Assert.Equal(bytes, received);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Environment_is_exported_on_the_far_side_verbatim(string client)
    {
        var shell = sshd.Shell(client);
        var environment = new Dictionary<string, string>
        {
            ["SWARM_RUN_ID"] = "demo-001",
            ["SWARM_TRICKY"] = "a b 'c' \"d\" $(id) `id` ;e\nf",
            ["SWARM_EMPTY"] = "",
        };

        var result = await shell.RunAsync(new ShellCommand(
            "sh", "-c", "printf '%s\\0' \"$SWARM_RUN_ID\" \"$SWARM_TRICKY\" \"${SWARM_EMPTY-unset}\"")
        {
            Environment = environment,
        });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("demo-001\0a b 'c' \"d\" $(id) `id` ;e\nf\0\0", result.StandardOutput);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task A_bad_environment_name_is_refused_before_anything_runs(string client)
    {
        var shell = sshd.Shell(client);

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")
        {
            Environment = new Dictionary<string, string> { ["BAD;NAME"] = "x" },
        }));

        Assert.Equal("EnvironmentNameInvalid", error.ErrorId);
        Assert.Contains("BAD;NAME", error.Message);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Working_directory_with_spaces_is_entered(string client)
    {
        var shell = sshd.Shell(client);
        var directory = Path.Combine(Path.GetTempPath(), $"swarmps ssh cwd '{Guid.NewGuid():N}' $(x)");
        Directory.CreateDirectory(directory);
        try
        {
            var result = await shell.RunAsync(new ShellCommand("pwd", "-P") { WorkingDirectory = directory });

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(directory + "\n", result.StandardOutput);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task A_missing_working_directory_is_a_failed_result(string client)
    {
        var shell = sshd.Shell(client);

        var result = await shell.RunAsync(new ShellCommand("true") { WorkingDirectory = "/nonexistent/swarmps" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/nonexistent/swarmps", result.StandardError);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Timeout_kills_and_reports_TimedOut(string client)
    {
        var shell = sshd.Shell(client);
        await shell.RunAsync(new ShellCommand("true")); // connect first, so the clock measures the command
        var clock = Stopwatch.StartNew();

        var result = await shell.RunAsync(new ShellCommand("sleep", "30") { Timeout = TimeSpan.FromSeconds(1) });

        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task Cancellation_stops_the_command(string client)
    {
        var shell = sshd.Shell(client);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => shell.RunAsync(new ShellCommand("sleep", "30"), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Commands_share_one_master_connection()
    {
        var controlDirectory = Path.Combine(sshd.ControlDirectory, $"reuse-{Guid.NewGuid():N}"[..14]);
        Directory.CreateDirectory(controlDirectory);
        var shell = new OpenSshShell(sshd.Settings(controlPath: Path.Combine(controlDirectory, "%C")));
        try
        {
            var first = await shell.RunAsync(new ShellCommand("sh", "-c", "echo $PPID"));
            var socket = Assert.Single(Directory.GetFileSystemEntries(controlDirectory));
            Assert.True(File.GetAttributes(socket) is var attributes && !attributes.HasFlag(FileAttributes.Directory));
            var second = await shell.RunAsync(new ShellCommand("true"));

            Assert.Equal(0, first.ExitCode);
            Assert.Equal(0, second.ExitCode);
            // The master answers "ssh -O check" only while it lives and holds the connection.
            var check = await ProcessRunner.RunAsync(new ShellCommand("ssh", "-O", "check", "-o", $"ControlPath={socket}", "dummy"));
            Assert.Equal(0, check.ExitCode);
            Assert.Contains("Master running", check.StandardError);
        }
        finally
        {
            await shell.CloseConnectionAsync();
            Directory.Delete(controlDirectory, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_missing_control_directory_is_created_private()
    {
        var controlDirectory = Path.Combine(sshd.ControlDirectory, $"new-{Guid.NewGuid():N}"[..12], "deeper");
        var shell = new OpenSshShell(sshd.Settings(controlPath: Path.Combine(controlDirectory, "%C")));
        try
        {
            var result = await shell.RunAsync(new ShellCommand("true"));

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(controlDirectory));
        }
        finally
        {
            await shell.CloseConnectionAsync();
            Directory.Delete(Path.GetDirectoryName(controlDirectory)!, recursive: true);
        }
    }

    [Fact]
    public async Task Closed_port_is_SiteUnreachable_quickly_with_the_fix()
    {
        var shell = new OpenSshShell(sshd.Settings(controlPath: null, port: ClosedPort()));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

        Assert.Equal("SiteUnreachable", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.ConnectionError, error.Category);
        Assert.Contains("Connection refused", error.Message);
        Assert.Contains("port", error.Remediation);
        Assert.Contains("Test-SwarmSite", error.Remediation);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_key_the_site_does_not_know_is_SshAuthenticationFailed()
    {
        var directory = Directory.CreateTempSubdirectory("swarmps-key-");
        try
        {
            var key = Path.Combine(directory.FullName, "id_ed25519");
            var keygen = await ProcessRunner.RunAsync(new ShellCommand("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key));
            Assert.Equal(0, keygen.ExitCode);
            // No multiplexing: a master made with the good key would otherwise carry this login.
            var shell = new OpenSshShell(sshd.Settings(controlPath: null, identityFile: key));

            var error = await Assert.ThrowsAsync<SwarmException>(() => shell.RunAsync(new ShellCommand("true")));

            Assert.Equal("SshAuthenticationFailed", error.ErrorId);
            Assert.Contains("Permission denied (publickey)", error.Message);
            Assert.Contains("ssh-copy-id", error.Remediation);
            Assert.Contains("ssh-agent", error.Remediation);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_host_key_is_SshHostKeyRejected()
    {
        var settings = sshd.Settings(controlPath: null) with
        {
            Options = new Dictionary<string, string> { ["UserKnownHostsFile"] = "/dev/null", ["StrictHostKeyChecking"] = "yes" },
        };

        var error = await Assert.ThrowsAsync<SwarmException>(() => new OpenSshShell(settings).RunAsync(new ShellCommand("true")));

        Assert.Equal("SshHostKeyRejected", error.ErrorId);
        Assert.Contains("fingerprint", error.Remediation);
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task WriteFileAsync_is_byte_exact_and_atomic(string client)
    {
        var shell = sshd.Shell(client);
        var directory = Directory.CreateTempSubdirectory("swarmps-stage-");
        try
        {
            var path = Path.Combine(directory.FullName, "sub dir", "it's $(here).bin");
            var content = new byte[3 * 1024 * 1024];
            new Random(42).NextBytes(content);
            var old = Encoding.UTF8.GetBytes("old content that must never be seen half-replaced");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, old);

            // A reader polling the path while the write runs may see the old or the new file, never a mix.
            using var stop = new CancellationTokenSource();
            var seen = new List<int>();
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var now = await File.ReadAllBytesAsync(path);
                    seen.Add(now.AsSpan().SequenceEqual(old) ? 0 : now.AsSpan().SequenceEqual(content) ? 1 : -1);
                }
            });
            await shell.WriteFileAsync(path, content);
            await Task.Delay(50);
            stop.Cancel();
            await reader;

            Assert.Equal(content, await File.ReadAllBytesAsync(path));
            Assert.DoesNotContain(-1, seen);
            Assert.False(File.Exists(path + ".swarm-tmp"));
            Assert.Equal(new[] { path }, Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("openssh")]
    [InlineData("sshnet")]
    public async Task WriteFileAsync_into_an_unwritable_place_is_StagingFailed(string client)
    {
        var shell = sshd.Shell(client);

        var error = await Assert.ThrowsAsync<SwarmException>(() => shell.WriteFileAsync("/proc/swarmps/x", new byte[] { 1 }));

        Assert.Equal("StagingFailed", error.ErrorId);
        Assert.Contains(sshd.User + "@127.0.0.1", error.Message);
    }

    [Fact]
    public void Ssh_argv_carries_the_safety_options_before_the_destination()
    {
        var settings = sshd.Settings() with
        {
            Options = new Dictionary<string, string> { ["ConnectTimeout"] = "3", ["LogLevel"] = "ERROR" },
        };

        var argv = new OpenSshShell(settings).BuildSshArguments("true");

        var separator = argv.ToList().IndexOf("--");
        Assert.Equal(new[] { "--", settings.Destination, "true" }, argv.Skip(separator));
        var options = argv.Take(separator).ToList();
        Assert.Contains("BatchMode=yes", options);
        Assert.Contains("ControlMaster=auto", options);
        Assert.Contains("ControlPersist=60", options);
        Assert.Contains("IdentitiesOnly=yes", options);
        Assert.Equal(new[] { "-F", "/dev/null" }, options.Skip(options.IndexOf("-F")).Take(2));
        Assert.Equal(new[] { "-i", sshd.KeyFile }, options.Skip(options.IndexOf("-i")).Take(2));
        // The operator's value is the only ConnectTimeout (ssh keeps the first one it sees).
        Assert.Equal(new[] { "ConnectTimeout=3" }, options.Where(option => option.StartsWith("ConnectTimeout=")));
    }

    [Fact]
    public void Remote_command_puts_cd_and_env_before_the_program()
    {
        var command = new ShellCommand("my prog", "a b")
        {
            WorkingDirectory = "/run root/x",
            Environment = new Dictionary<string, string> { ["A"] = "1 2" },
        };

        Assert.Equal("cd -- '/run root/x' && env 'A=1 2' 'my prog' 'a b'", OpenSshShell.BuildRemoteCommand(command));
    }

    internal static int ClosedPort()
    {
        // Bind to find a free port, then release it: nothing listens there for the next moments.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
