using SwarmPS.Engine.Exchange;

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
    public void The_launch_runs_pwsh_under_setsid_with_the_module_imported_and_Start_SwarmExchange_in_the_foreground()
    {
        var command = DetachedExchangeLaunch.BuildCommand("/opt/microsoft/powershell/7/pwsh", "/home/op/SwarmPS/SwarmPS.psd1", Options, setsidPath: "/usr/bin/setsid");

        Assert.Equal("/usr/bin/setsid", command.Program);
        Assert.Equal(
            [
                "/opt/microsoft/powershell/7/pwsh",
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                "Import-Module '/home/op/SwarmPS/SwarmPS.psd1'; Start-SwarmExchange -Foreground -Port 8471 -BindAddress '10.1.2.3' " +
                "-StateDirectory '/srv/swarm/it''s state' -TokenVariable 'MY_TOKEN' *>> '/srv/swarm/it''s state/exchange.out'",
            ],
            command.Arguments);
    }

    [Fact]
    public void Without_setsid_pwsh_is_launched_directly()
    {
        var command = DetachedExchangeLaunch.BuildCommand("/usr/bin/pwsh", "/m/SwarmPS.psd1", Options, setsidPath: "/nonexistent/setsid");

        Assert.Equal("/usr/bin/pwsh", command.Program);
        Assert.Equal("-NoProfile", command.Arguments[0]);
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
}
