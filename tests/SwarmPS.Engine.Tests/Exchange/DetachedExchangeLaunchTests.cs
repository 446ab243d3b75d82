using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// A detached exchange start: what is refused before anything is launched, and how a child that fails is
/// reported (its command line is the cmdlet layer's: tests/SwarmPS.Cmdlets.Tests/DetachedPwshTests).
/// </summary>
public sealed class DetachedExchangeLaunchTests
{
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
    private static Func<ExchangeServerOptions, IReadOnlyList<string>> Marker(string directory) => _ => new[] { "/bin/sh", "-c", $"touch '{directory}/launched'" };

    /// <summary>A child that runs <paramref name="script"/> in sh instead of an exchange.</summary>
    private static Func<ExchangeServerOptions, IReadOnlyList<string>> Shell(string script) => _ => new[] { "/bin/sh", "-c", script };

    [Fact]
    public async Task A_missing_token_is_refused_before_anything_is_launched()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-notoken-").FullName;
        try
        {
            var error = await Assert.ThrowsAsync<SwarmException>(() =>
                DetachedExchangeLaunch.StartAsync(FreshOptions(directory, "SWARM_TEST_UNSET_TOKEN"), Marker(directory), TimeSpan.FromSeconds(5), null, CancellationToken.None));

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

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(options, Marker(directory), TimeSpan.FromSeconds(5), null, CancellationToken.None));

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
            var child = Shell(
                """echo 'the store is broken'; echo 'swarmps-error: {"error_id":"ExchangeStoreUnavailable","category":"ResourceUnavailable","message":"Could not open the store.","remediation":"Check the disk."}' >&2; exit 1""");

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(options, child, TimeSpan.FromSeconds(20), null, CancellationToken.None));

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
            var child = Shell("echo 'pwsh: cannot start' >&2; exit 3");

            var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(options, child, TimeSpan.FromSeconds(20), null, CancellationToken.None));

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
