using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The exchange's state directory holds every agent's messages: it is born 0700 (never briefly 0755),
/// and exchange.db with its WAL and shared memory, exchange.json, exchange.log and exchange.out are
/// 0600 from creation, under umask 0000.
/// </summary>
[Collection(UmaskCollection.Name)]
public sealed class ExchangeFileModeTests : IDisposable
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string Variable = "SWARM_TEST_MODES_TOKEN";

    private readonly string _root = Directory.CreateTempSubdirectory("swarm-xmodes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_running_exchange_keeps_its_state_directory_and_files_owner_only_under_umask_0000()
    {
        var options = new ExchangeServerOptions { StateDirectory = Path.Combine(_root, "state", "exchange"), TokenVariable = Variable };
        Environment.SetEnvironmentVariable(Variable, "modes-token-0123456789");
        using var stop = new CancellationTokenSource();
        try
        {
            using (OwnerOnlyModeTests.LooseUmask())
            {
                var ready = new TaskCompletionSource<Uri>();
                var running = ExchangeServer.RunAsync(options, url => ready.TrySetResult(url), stop.Token);
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

                Assert.Equal(Directory700, File.GetUnixFileMode(Path.Combine(_root, "state")));
                Assert.Equal(Directory700, File.GetUnixFileMode(options.StateDirectory));
                foreach (var name in new[] { "exchange.db", "exchange.db-wal", "exchange.db-shm", "exchange.json", "exchange.log" })
                {
                    var path = Path.Combine(options.StateDirectory, name);
                    Assert.True(File.Exists(path), $"{name} exists while the exchange runs");
                    Assert.Equal((name, File600), (name, File.GetUnixFileMode(path)));
                }

                stop.Cancel();
                await running;
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    [Fact]
    public async Task A_detached_start_creates_its_state_directory_and_output_owner_only_under_umask_0000()
    {
        var options = new ExchangeServerOptions { StateDirectory = Path.Combine(_root, "detached"), TokenVariable = Variable };
        Environment.SetEnvironmentVariable(Variable, "modes-token-0123456789");
        try
        {
            using (OwnerOnlyModeTests.LooseUmask())
            {
                // A child that exits at once: the launch fails, after it made the directory and exchange.out.
                await Assert.ThrowsAsync<SwarmException>(() => DetachedExchangeLaunch.StartAsync(options, _ => new[] { "/bin/sh", "-c", "echo started; exit 3" }, TimeSpan.FromSeconds(20), null, CancellationToken.None));
            }

            Assert.Equal(Directory700, File.GetUnixFileMode(options.StateDirectory));
            Assert.Equal(File600, File.GetUnixFileMode(options.OutputPath));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }
}
