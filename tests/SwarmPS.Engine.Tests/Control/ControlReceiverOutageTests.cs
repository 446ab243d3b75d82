using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>A reply that cannot be sent (the exchange away) must not end the receiver: the outcome stays in the journal for a retry.</summary>
public sealed class ControlReceiverOutageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-control-outage-").FullName;

    [Fact]
    public async Task A_reply_the_exchange_cannot_take_is_dropped_and_recorded_and_the_outcome_kept()
    {
        using var away = new ExchangeConnection(new Uri($"http://127.0.0.1:{ClosedPort()}/"), "exchange-token-outage").OpenClient();
        var token = ControlTestKit.Token(ControlTestKit.TokenText);
        var own = Guid.NewGuid();
        var handled = HandledCommands.Open(Path.Combine(_directory, "handled.jsonl"), DateTimeOffset.UtcNow);
        var events = new EventLog(Path.Combine(_directory, "events.jsonl"));
        var runs = 0;
        var receiver = new ControlReceiver(away, token, "default", own, handled, events, "alpha", "agent-manager",
            (_, _) => { runs++; return Task.FromResult(new JsonObject()); });
        var command = ControlTestKit.Command(own, Guid.NewGuid());
        var message = new ReceivedMessage(Guid.NewGuid(), own, null, ControlEnvelope.Seal(token, command.ToJson()), DateTimeOffset.UtcNow, 1, DateTimeOffset.UtcNow.AddSeconds(5));

        await receiver.HandleAsync(message, () => Task.CompletedTask, CancellationToken.None);

        Assert.Equal(1, runs);
        Assert.True(handled.Find(command.CorrelationId)?.Reply?.Ok);
        Assert.Contains("\"reply_dropped\":\"ExchangeUnreachable\"", File.ReadAllText(events.Path));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
