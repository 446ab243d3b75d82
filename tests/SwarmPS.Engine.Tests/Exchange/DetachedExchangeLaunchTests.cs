using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>The argv that re-launches pwsh to run a detached exchange.</summary>
public sealed class DetachedExchangeLaunchTests
{
    private static readonly ExchangeServerOptions Options = new()
    {
        StateDirectory = "/srv/swarm/it's state",
        Port = 8471,
        BindAddress = "10.1.2.3",
        TokenVariable = "MY_TOKEN",
    };

    [Fact]
    public void The_launch_redirects_all_output_to_exchange_out_and_runs_pwsh_under_setsid_with_Start_SwarmExchange_in_the_foreground()
    {
        var command = DetachedExchangeLaunch.BuildCommand("/opt/microsoft/powershell/7/pwsh", "/home/op/SwarmPS/SwarmPS.psd1", Options, setsidPath: "/usr/bin/setsid", shPath: "/bin/sh");

        Assert.Equal("/bin/sh", command.Program);
        Assert.Equal(
            ["-c", "out=$1; shift; exec \"$@\" </dev/null >>\"$out\" 2>&1", "sh", "/srv/swarm/it's state/exchange.out", "/usr/bin/setsid", "/opt/microsoft/powershell/7/pwsh", "-NoProfile", "-NonInteractive", "-Command"],
            command.Arguments.Take(9));
        var script = command.Arguments[9];
        Assert.StartsWith("$ErrorActionPreference = 'Stop'; try { Import-Module '/home/op/SwarmPS/SwarmPS.psd1'; Start-SwarmExchange -Foreground -Confirm:$false -Port 8471 -BindAddress '10.1.2.3' " +
            "-StateDirectory '/srv/swarm/it''s state' -TokenVariable 'MY_TOKEN' *>> '/srv/swarm/it''s state/exchange.out' } catch {", script);
        Assert.Contains("Set-Content -LiteralPath '/srv/swarm/it''s state/exchange.failed.json'", script);
        Assert.EndsWith("Add-Content -LiteralPath '/srv/swarm/it''s state/exchange.out'; exit 1 }", script);
    }

    [Fact]
    public void Without_sh_and_setsid_pwsh_is_launched_directly()
    {
        var command = DetachedExchangeLaunch.BuildCommand("/usr/bin/pwsh", "/m/SwarmPS.psd1", Options, setsidPath: "/nonexistent/setsid", shPath: null);

        Assert.Equal("/usr/bin/pwsh", command.Program);
        Assert.Equal("-NoProfile", command.Arguments[0]);
    }

    [Fact]
    public void The_pwsh_launched_is_the_one_in_PSHOME_never_the_running_process_path()
    {
        Assert.Equal(Path.Combine("/opt/pwsh", OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh"), DetachedExchangeLaunch.PwshIn("/opt/pwsh"));
    }

    [Fact]
    public void The_token_itself_never_enters_the_argv()
    {
        Environment.SetEnvironmentVariable("MY_TOKEN", "value-that-must-stay-in-the-environment");
        try
        {
            var command = DetachedExchangeLaunch.BuildCommand("/usr/bin/pwsh", "/m/SwarmPS.psd1", Options);

            Assert.DoesNotContain(command.Arguments, a => a.Contains("value-that-must-stay-in-the-environment", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("MY_TOKEN", null);
        }
    }

    [Fact]
    public void A_module_path_that_is_the_root_binary_maps_to_the_manifest_beside_bin()
    {
        var root = Directory.CreateTempSubdirectory("swarm-module-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            File.WriteAllText(Path.Combine(root, "SwarmPS.psd1"), "@{}");

            Assert.Equal(Path.Combine(root, "SwarmPS.psd1"), ModuleManifestPath.For(Path.Combine(root, "bin", "SwarmPS.Cmdlets.dll")));
            Assert.Equal(Path.Combine(root, "SwarmPS.psd1"), ModuleManifestPath.For(Path.Combine(root, "SwarmPS.psd1")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("$(Remove-Item /)", "'$(Remove-Item /)'")]
    public void Values_are_single_quoted_so_pwsh_expands_nothing(string value, string quoted)
    {
        Assert.Equal(quoted, PowerShellLiteral.Quote(value));
    }

    [Fact]
    public async Task A_second_exchange_on_the_same_state_directory_is_refused()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-twice-").FullName;
        const string variable = "SWARM_TEST_TWICE_TOKEN";
        Environment.SetEnvironmentVariable(variable, "twice-token");
        using var stop = new CancellationTokenSource();
        try
        {
            var options = new ExchangeServerOptions { StateDirectory = directory, TokenVariable = variable };
            var ready = new TaskCompletionSource<Uri>();
            var first = ExchangeServer.RunAsync(options, url => ready.TrySetResult(url), stop.Token);
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var state = ExchangeStateFile.Read(directory);
            var error = await Assert.ThrowsAsync<SwarmException>(() => ExchangeServer.RunAsync(options, null, CancellationToken.None));

            Assert.Equal("ExchangeAlreadyRunning", error.ErrorId);
            Assert.NotNull(state);
            Assert.Equal(Environment.ProcessId, state.Pid);
            Assert.True(state.IsRunning());
            stop.Cancel();
            await first;
            Assert.Null(ExchangeStateFile.Read(directory));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ExchangeServerOptions FreshOptions(string directory, string variable) => new() { StateDirectory = directory, TokenVariable = variable };

    /// <summary>A child that proves whether it ran: it leaves a marker file.</summary>
    private static ShellCommand Marker(string directory) => new("/bin/sh", "-c", $"touch '{directory}/launched'");

    [Fact]
    public async Task A_missing_token_is_refused_before_anything_is_launched()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-notoken-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<SwarmException>(() =>
                DetachedExchangeLaunch.StartAsync(Marker(directory), FreshOptions(directory, "SWARM_TEST_UNSET_TOKEN"), TimeSpan.FromSeconds(5), null, CancellationToken.None));

            Assert.Equal("ExchangeTokenMissing", error.ErrorId);
            await Task.Delay(200);
            Assert.False(File.Exists(Path.Combine(directory, "launched")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_port_in_use_is_refused_before_anything_is_launched()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-busyport-").FullName;
        const string variable = "SWARM_TEST_BUSY_TOKEN";
        Environment.SetEnvironmentVariable(variable, "busy-token");
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
            var options = FreshOptions(directory, variable) with { Port = port };

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(Marker(directory), options, TimeSpan.FromSeconds(5), null, CancellationToken.None));

            Assert.Equal("ExchangePortUnavailable", error.ErrorId);
            Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
            Assert.False(File.Exists(Path.Combine(directory, "launched")));
        }
        finally
        {
            holder.Stop();
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_free_port_passes_the_check_and_stays_free_for_the_exchange()
    {
        const string variable = "SWARM_TEST_FREE_TOKEN";
        Environment.SetEnvironmentVariable(variable, "free-token");
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var options = FreshOptions(Path.Combine(Path.GetTempPath(), "swarm-none-" + Guid.NewGuid()), variable) with { Port = port };

            Assert.Equal("free-token", ExchangeStartCheck.Run(options));
            using var after = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            after.Start();
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task A_child_that_fails_after_launch_is_reported_with_its_own_error_id_and_the_output_file()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-childfail-").FullName;
        const string variable = "SWARM_TEST_CHILD_TOKEN";
        Environment.SetEnvironmentVariable(variable, "child-token");
        try
        {
            var options = FreshOptions(directory, variable);
            // What the launch script's catch writes when Start-SwarmExchange -Foreground fails in the child.
            var child = new ShellCommand("/bin/sh", "-c",
                $$"""echo 'the store is broken' >> '{{options.OutputPath}}'; echo '{"errorId":"ExchangeStoreUnavailable","category":"ResourceUnavailable","message":"Could not open the store.","remediation":"Check the disk."}' > '{{options.StartFailurePath}}'; exit 1""");

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(child, options, TimeSpan.FromSeconds(20), null, CancellationToken.None));

            Assert.Equal("ExchangeStoreUnavailable", error.ErrorId);
            Assert.Equal(SwarmErrorCategory.ResourceUnavailable, error.Category);
            Assert.Equal("Check the disk.", error.Remediation);
            Assert.Contains(options.OutputPath, error.Message);
            Assert.Contains("the store is broken", File.ReadAllText(options.OutputPath));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_child_that_dies_without_an_error_record_is_ExchangeStartFailed_quoting_its_output()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-childdies-").FullName;
        const string variable = "SWARM_TEST_DIES_TOKEN";
        Environment.SetEnvironmentVariable(variable, "dies-token");
        try
        {
            var options = FreshOptions(directory, variable);
            File.WriteAllText(options.OutputPath, "output of an earlier launch");
            var child = new ShellCommand("/bin/sh", "-c", $"echo 'pwsh: cannot start' >> '{options.OutputPath}'; exit 3");

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(child, options, TimeSpan.FromSeconds(20), null, CancellationToken.None));

            Assert.Equal("ExchangeStartFailed", error.ErrorId);
            Assert.Contains("code 3", error.Message);
            Assert.Contains("pwsh: cannot start", error.Message);
            Assert.DoesNotContain("earlier launch", error.Message);
            Assert.Contains(options.OutputPath, error.Remediation);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Directory.Delete(directory, recursive: true);
        }
    }
}
