using System.Diagnostics;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

public sealed class LocalShellTests
{
    [Fact]
    public async Task Arguments_arrive_byte_for_byte()
    {
        var result = await LocalShell.Instance.RunAsync(
            new ShellCommand("printf", new[] { "%s\\0" }.Concat(OpenSshShellTests.HostileArguments).ToArray()));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Concat(OpenSshShellTests.HostileArguments.Select(argument => argument + "\0")), result.StandardOutput);
    }

    [Fact]
    public async Task Exit_code_stdin_environment_and_directory_reach_the_process()
    {
        var directory = Directory.CreateTempSubdirectory("swarmps local cwd ");
        try
        {
            var result = await LocalShell.Instance.RunAsync(new ShellCommand("sh", "-c", "cat; printf '%s|%s' \"$SWARM_X\" \"$(pwd -P)\"; exit 7")
            {
                StandardInput = "in\n"u8.ToArray(),
                Environment = new Dictionary<string, string> { ["SWARM_X"] = "a 'b' $(c)" },
                WorkingDirectory = directory.FullName,
            });

            Assert.Equal(7, result.ExitCode);
            Assert.Equal($"in\na 'b' $(c)|{directory.FullName}", result.StandardOutput);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public async Task Timeout_kills_the_process_tree_and_reports_TimedOut()
    {
        var clock = Stopwatch.StartNew();

        var result = await LocalShell.Instance.RunAsync(new ShellCommand("sh", "-c", "sleep 30 & sleep 30; wait") { Timeout = TimeSpan.FromMilliseconds(500) });

        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_throws_and_stops_the_process()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LocalShell.Instance.RunAsync(new ShellCommand("sleep", "30"), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_CommandNotFound()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => LocalShell.Instance.RunAsync(new ShellCommand("swarmps-no-such-program", "x")));

        Assert.Equal("CommandNotFound", error.ErrorId);
        Assert.Contains("swarmps-no-such-program", error.Message);
        Assert.Contains("PATH", error.Remediation);
        Assert.Equal(SwarmErrorCategory.ObjectNotFound, error.Category);
    }

    [Fact]
    public async Task WriteFileAsync_locally_is_byte_exact()
    {
        var directory = Directory.CreateTempSubdirectory("swarmps-local-stage-");
        try
        {
            var path = Path.Combine(directory.FullName, "a b", "c'd.bin");
            var content = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();

            await LocalShell.Instance.WriteFileAsync(path, content);

            Assert.Equal(content, await File.ReadAllBytesAsync(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Two_stagers_of_one_path_at_once_each_succeed_and_one_whole_file_wins()
    {
        // Two submits of one job stage its files at the same moment. With one fixed temporary name the
        // second cat truncates the first's file mid-write, and the second mv finds nothing to move.
        var directory = Directory.CreateTempSubdirectory("swarmps-local-race-");
        try
        {
            var path = Path.Combine(directory.FullName, "jobs", "record.json");
            var first = Enumerable.Repeat((byte)'a', 4 * 1024 * 1024).ToArray();
            var second = Enumerable.Repeat((byte)'b', 4 * 1024 * 1024).ToArray();

            for (var round = 0; round < 5; round++)
            {
                var writes = Enumerable.Range(0, 4)
                    .Select(i => Task.Run(() => LocalShell.Instance.WriteFileAsync(path, i % 2 == 0 ? first : second)))
                    .ToArray();
                await Task.WhenAll(writes);

                var written = await File.ReadAllBytesAsync(path);
                Assert.True(written.AsSpan().SequenceEqual(first) || written.AsSpan().SequenceEqual(second), $"round {round}: a mix of {written.Length} bytes");
                Assert.Equal(new[] { path }, Directory.GetFiles(Path.GetDirectoryName(path)!));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void SiteShell_picks_local_without_ssh_and_OpenSsh_with_it()
    {
        var local = new SiteProfile { Name = "local", RunRoot = "/tmp/x" };
        var remote = local with { Name = "far", Ssh = new SshSettings { Host = "login.example.org", User = "ada" } };

        Assert.Same(LocalShell.Instance, SiteShell.For(local));
        var shell = Assert.IsType<OpenSshShell>(SiteShell.For(remote));
        Assert.Equal("ada@login.example.org", shell.Target);
    }

    [Fact]
    public async Task A_sites_environment_reaches_every_command_and_the_commands_own_values_win()
    {
        var site = new SiteProfile
        {
            Name = "env",
            RunRoot = "/tmp/x",
            Environment = new Dictionary<string, string> { ["SWARM_SITE_A"] = "from profile", ["SWARM_SITE_B"] = "profile" },
        };

        var result = await SiteShell.For(site).RunAsync(new ShellCommand("sh", "-c", "printf '%s|%s' \"$SWARM_SITE_A\" \"$SWARM_SITE_B\"")
        {
            Environment = new Dictionary<string, string> { ["SWARM_SITE_B"] = "command" },
        });

        Assert.Equal("from profile|command", result.StandardOutput);
    }
}
