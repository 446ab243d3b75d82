using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Tests.Exchange;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The rendezvous against an exchange whose own ACTIVE threshold (per server) is shorter than the
/// campaign's heartbeat interval: here 1 ms, so a healthy peer's mailbox reads INACTIVE nearly always.
/// A heartbeat stamp that moves while the rendezvous waits counts as live; one that never moves does not.
/// </summary>
public sealed class PeerRendezvousStampTests : IDisposable
{
    private const string Token = "rendezvous-test-token-0123456789ab";
    private readonly string _state = Directory.CreateTempSubdirectory("swarmps-rdv-").FullName;
    private readonly ExchangeHostProcess _exchange;
    private readonly HttpExchangeClient _client;

    public PeerRendezvousStampTests()
    {
        _exchange = ExchangeHostProcess.Start(_state, Token, "--heartbeat-ms", "1");
        _client = new HttpExchangeClient(new ExchangeConnection(_exchange.Url, Token));
    }

    public void Dispose()
    {
        _client.Dispose();
        _exchange.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    [Fact]
    public async Task A_peer_whose_stamp_moves_is_live_though_the_exchange_calls_it_inactive()
    {
        await _client.RegisterAsync("rdv-moving", "b");
        using var beat = new CancellationTokenSource();
        var beating = Task.Run(async () =>
        {
            while (!beat.IsCancellationRequested)
            {
                await _client.HeartbeatAsync(AgentMailboxId.For("rdv-moving", "b"));
                await Task.Delay(300);
            }
        });

        await Task.Delay(100);
        var seen = Assert.Single(await _client.GetStatusAsync(new[] { AgentMailboxId.For("rdv-moving", "b") }));
        Assert.Equal(MailboxState.Inactive, seen.State);

        await new PeerRendezvous(_client, TimeSpan.FromMilliseconds(100)).WaitForAsync("rdv-moving", new[] { "b" }, TimeSpan.FromSeconds(10), null, CancellationToken.None);
        await beat.CancelAsync();
        await beating;
    }

    [Fact]
    public async Task A_peer_whose_stamp_stands_still_is_not_live()
    {
        await _client.RegisterAsync("rdv-still", "b");
        await Task.Delay(100);

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            new PeerRendezvous(_client, TimeSpan.FromMilliseconds(100)).WaitForAsync("rdv-still", new[] { "b" }, TimeSpan.FromSeconds(1.5), null, CancellationToken.None));
        Assert.Equal("PeerDiscoveryTimeout", error.ErrorId);
        Assert.Contains("b (", error.Message);
    }
}
