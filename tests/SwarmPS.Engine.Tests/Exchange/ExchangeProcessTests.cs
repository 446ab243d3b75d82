using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Stop-SwarmExchange's engine: the state file finds the process, SIGTERM stops it cleanly.</summary>
public sealed class ExchangeProcessTests
{
    [Fact]
    public async Task A_recorded_exchange_is_found_and_stopped_by_SIGTERM_and_its_state_file_removed()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-stop-").FullName;
        using var host = ExchangeHostProcess.Start(directory, "stop-test-token");
        try
        {
            var state = ExchangeStateFile.Read(directory);
            Assert.NotNull(state);
            Assert.Equal(host.Pid, state.Pid);
            Assert.Equal(host.Url, state.Url);
            Assert.True(state.IsRunning());

            Assert.True(await ExchangeProcess.StopAsync(state, TimeSpan.FromSeconds(20), CancellationToken.None));

            // StopAsync saw the process end; the Process object learns it when .NET reaps the child, a moment
            // later (CI once saw HasExited still false right after StopAsync returned).
            Assert.True(host.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.Null(ExchangeStateFile.Read(directory));
            Assert.False(await ExchangeProcess.StopAsync(state, TimeSpan.FromSeconds(1), CancellationToken.None));
            Assert.Contains("stopping", await File.ReadAllTextAsync(Path.Combine(directory, "exchange.log")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_state_file_whose_pid_belongs_to_another_process_is_not_running()
    {
        var stale = new ExchangeStateFile(new Uri("http://127.0.0.1:1/"), Environment.ProcessId, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "/tmp", "/tmp/x.log");

        Assert.False(stale.IsRunning());
    }
}
