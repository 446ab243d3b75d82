using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Net.Sockets;
using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>
/// An exchange cmdlet lets go of its connection when its pipeline ends, also when it is stopped (Ctrl+C)
/// and EndProcessing never runs. A real exchange (Start-SwarmExchange -Foreground, in a runspace of this
/// process) is reached through a TCP relay on loopback that counts the client connections still open: the
/// client pools its connection after an answered request and would hold it for its 30 s idle timeout if
/// the command were never disposed.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ExchangeClientDisposalTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>, IDisposable
{
    private const string TokenVariable = "SWARM_EXCHANGE_TOKEN";
    private readonly string? _savedToken = Environment.GetEnvironmentVariable(TokenVariable);

    [Fact]
    public async Task A_stopped_pipeline_closes_the_cmdlets_exchange_connection()
    {
        Environment.SetEnvironmentVariable(TokenVariable, "disposal-test-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var state = Path.Combine(sandbox.Root, "exchange-" + Guid.NewGuid().ToString("N")[..8]);

        using var exchangeRunspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        exchangeRunspace.Open();
        using var exchange = PowerShell.Create(exchangeRunspace);
        exchange.AddScript("Import-Module -Name $args[0]; Start-SwarmExchange -Foreground -Port $args[1] -StateDirectory $args[2]")
            .AddArgument(RepositoryLayout.Manifest).AddArgument(port).AddArgument(state);
        var serving = exchange.BeginInvoke();
        try
        {
            await WaitUntilListening(port);
            using var relay = new CountingRelay(port);

            // Get-SwarmMailbox asks the exchange about the first id, then waits for the next input that never
            // comes: its pooled connection stays open until the command is disposed.
            using var command = PowerShell.Create(shell.Runspace);
            command.AddScript("& { [guid]::NewGuid(); Start-Sleep -Seconds 120 } | Get-SwarmMailbox -ExchangeUrl $args[0]")
                .AddArgument($"http://127.0.0.1:{relay.Port}/");
            var running = command.BeginInvoke();
            await Until(() => command.Streams.Error.Count > 0, TimeSpan.FromSeconds(30), "Get-SwarmMailbox got no answer from the exchange");
            Assert.Equal("MailboxNotFound,SwarmPS.Cmdlets.GetSwarmMailboxCommand", command.Streams.Error[0].FullyQualifiedErrorId);
            Assert.Equal(1, relay.Open);

            command.Stop();
            Assert.Equal(PSInvocationState.Stopped, command.InvocationStateInfo.State);

            await Until(() => relay.Open == 0, TimeSpan.FromSeconds(10), "the stopped command kept its exchange connection open");
        }
        finally
        {
            // Ctrl+C for the foreground exchange: it stops serving and closes its store.
            exchange.Stop();
        }
    }

    public void Dispose() => Environment.SetEnvironmentVariable(TokenVariable, _savedToken);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task WaitUntilListening(int port)
    {
        await Until(() =>
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"the exchange never listened on port {port}");
    }

    private static async Task Until(Func<bool> condition, TimeSpan limit, string failure)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }

    /// <summary>Forwards loopback connections to the exchange and counts those the client has not closed.</summary>
    private sealed class CountingRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stopping = new();
        private int _open;

        public CountingRelay(int target)
        {
            _listener.Start();
            _ = AcceptAsync(target);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Open => Volatile.Read(ref _open);

        private async Task AcceptAsync(int target)
        {
            while (!_stopping.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stopping.Token);
                }
                catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = RelayAsync(client, target);
            }
        }

        private async Task RelayAsync(TcpClient client, int target)
        {
            Interlocked.Increment(ref _open);
            using var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, target);
                using var fromClient = client.GetStream();
                using var toServer = server.GetStream();
                var back = toServer.CopyToAsync(fromClient, _stopping.Token);
                // The client side ending (a read of 0 bytes, or a reset) is what is counted.
                await fromClient.CopyToAsync(toServer, _stopping.Token);
                _ = back;
            }
            catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client reset the connection, or the relay is shutting down.
            }
            finally
            {
                client.Dispose();
                Interlocked.Decrement(ref _open);
            }
        }

        public void Dispose()
        {
            _stopping.Cancel();
            _listener.Stop();
            _stopping.Dispose();
        }
    }
}
