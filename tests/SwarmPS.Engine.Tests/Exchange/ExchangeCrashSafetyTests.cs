using System.Collections.Concurrent;
using SwarmPS.Engine.Exchange;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// An acknowledged send survives kill -9 of the exchange: sixteen senders run while the gateway process
/// is killed twenty times and restarted on the same state directory.
/// </summary>
public sealed class ExchangeCrashSafetyTests(ITestOutputHelper output)
{
    private const string Token = "crash-test-token-0123456789abcdef";

    [Fact]
    public async Task Every_accepted_message_survives_twenty_kill_9_and_nothing_unsent_appears()
    {
        var stateDirectory = Directory.CreateTempSubdirectory("swarm-crash-").FullName;
        var random = new Random(20261122);
        var host = ExchangeHostProcess.Start(stateDirectory, Token);
        var current = new ExchangeConnection(host.Url, Token);
        var mailboxes = new List<Guid>();
        using (var setup = new HttpExchangeClient(current))
        {
            for (var i = 0; i < 4; i++)
            {
                mailboxes.Add((await setup.RegisterAsync("crash-run", $"agent-{i}")).Id);
            }
        }

        var attempted = new ConcurrentDictionary<Guid, bool>();
        var accepted = new ConcurrentDictionary<Guid, bool>();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 16).Select(sender => Task.Run(async () =>
        {
            ExchangeConnection? mine = null;
            HttpExchangeClient? client = null;
            while (!stop.IsCancellationRequested)
            {
                var connection = Volatile.Read(ref current);
                if (!ReferenceEquals(connection, mine))
                {
                    client?.Dispose();
                    mine = connection;
                    client = new HttpExchangeClient(connection);
                }

                var message = OutgoingMessage.Create(mailboxes[sender % mailboxes.Count], $"sender {sender}");
                attempted[message.Id] = true;
                try
                {
                    await client!.SendAsync(message);
                    accepted[message.Id] = true;
                }
                catch (Exception)
                {
                    // The exchange died under this request: not accepted, so not owed. Back off briefly.
                    Interlocked.Increment(ref failures);
                    await Task.Delay(20);
                }
            }

            client?.Dispose();
        })).ToArray();

        try
        {
            for (var kill = 0; kill < 20; kill++)
            {
                await Task.Delay(random.Next(100, 400));
                host.KillHard();
                host.Dispose();
                host = ExchangeHostProcess.Start(stateDirectory, Token);
                Volatile.Write(ref current, new ExchangeConnection(host.Url, Token));
            }

            await Task.Delay(300);
            stop.Cancel();
            await Task.WhenAll(senders);

            var delivered = new HashSet<Guid>();
            using (var reader = new HttpExchangeClient(current))
            {
                foreach (var mailbox in mailboxes)
                {
                    while (true)
                    {
                        var batch = await reader.ReceiveAsync(mailbox, new ReceiveRequest(100, TimeSpan.FromMinutes(5)));
                        if (batch.Count == 0)
                        {
                            break;
                        }

                        delivered.UnionWith(batch.Select(m => m.Id));
                        await reader.AcknowledgeAsync(mailbox, batch.Select(m => m.Id).ToList());
                    }
                }
            }

            var lost = accepted.Keys.Where(id => !delivered.Contains(id)).ToList();
            var invented = delivered.Where(id => !attempted.ContainsKey(id)).ToList();
            output.WriteLine($"kills=20 attempted={attempted.Count} accepted={accepted.Count} delivered={delivered.Count} " +
                             $"failed-requests={failures} delivered-but-unacknowledged-to-sender={delivered.Count - delivered.Count(accepted.ContainsKey)} lost={lost.Count} invented={invented.Count}");
            Assert.True(accepted.Count > 500, $"only {accepted.Count} sends were accepted; the test did not exercise the exchange");
            Assert.Empty(lost);
            Assert.Empty(invented);
        }
        finally
        {
            stop.Cancel();
            host.Dispose();
            Directory.Delete(stateDirectory, recursive: true);
        }
    }
}
