using System.Diagnostics;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>The caller's side against a real SQLite store, with a real receiver pumping the target mailbox as a manager does.</summary>
public sealed class ControlClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Guid Slot(int slot) => AgentMailboxId.For("control." + ControlStoreFixture.NameSpace, $"reply.{Environment.UserName}.{slot}");

    [Fact]
    public async Task The_receivers_reply_is_returned()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        fixture.Execute = command => new JsonObject { ["echo"] = command.Arg("run_id") };
        using var pump = Pump.Start(fixture);

        var reply = await Client(fixture).SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject { ["run_id"] = "chat-007" }, Timeout, null, CancellationToken.None);

        Assert.True(reply.Ok);
        Assert.Equal("chat-007", reply.Result!["echo"]!.GetValue<string>());
        Assert.Equal(fixture.Own, reply.From);
        Assert.Equal(1, fixture.Executions);
    }

    [Fact]
    public async Task A_refusal_becomes_a_SwarmException_with_the_receivers_id_message_and_remediation()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        fixture.Execute = _ => throw new SwarmException("AgentsAlreadyRunning", "chat-007 still runs", "Stop it first");
        using var pump = Pump.Start(fixture);

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            Client(fixture).SendAsync(fixture.Own, "test manager", ControlCommand.Start, new JsonObject(), Timeout, null, CancellationToken.None));

        Assert.Equal("AgentsAlreadyRunning", error.ErrorId);
        Assert.Equal("chat-007 still runs", error.Message);
        Assert.Equal("Stop it first", error.Remediation);
        Assert.Equal(SwarmErrorCategory.ResourceExists, error.Category);
    }

    [Fact]
    public async Task A_caller_with_another_token_learns_ControlTokenRejected_from_the_unsealed_refusal()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        using var pump = Pump.Start(fixture);
        var intruder = new ControlClient(fixture.Store, ControlTestKit.Token(ControlTestKit.OtherTokenText), ControlStoreFixture.NameSpace);

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            intruder.SendAsync(fixture.Own, "test manager", ControlCommand.Stop, new JsonObject(), Timeout, null, CancellationToken.None));

        Assert.Equal("ControlTokenRejected", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.PermissionDenied, error.Category);
        Assert.Equal(0, fixture.Executions);
    }

    [Fact]
    public async Task No_answer_is_AgentManagerNoReply_within_the_timeout_naming_the_last_heartbeat()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var heartbeat = (await fixture.Store.HeartbeatAsync(fixture.Own)).LastHeartbeat;
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            Client(fixture).SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), TimeSpan.FromSeconds(1.5), null, CancellationToken.None));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(4));
        Assert.Equal("AgentManagerNoReply", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.OperationTimeout, error.Category);
        Assert.Contains("test manager", error.Message);
        Assert.Contains($"ACTIVE, last heartbeat {ControlTime.Format(heartbeat)}", error.Message);
        Assert.True(TerminatedOrAbsent(await fixture.Store.GetStatusAsync(new[] { Slot(0) })));
    }

    [Fact]
    public async Task Sequential_sends_reuse_reply_slot_0_and_leave_no_live_reply_mailbox()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var replyTo = new List<Guid>();
        fixture.Execute = command =>
        {
            replyTo.Add(command.ReplyTo);
            return new JsonObject();
        };
        using var pump = Pump.Start(fixture);
        var client = Client(fixture);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), Timeout, null, CancellationToken.None);
        }

        Assert.Equal(new[] { Slot(0), Slot(0), Slot(0) }, replyTo);
        var slots = await fixture.Store.GetStatusAsync(Enumerable.Range(0, ControlClient.ReplySlots).Select(Slot).ToList());
        Assert.Equal(Slot(0), Assert.Single(slots).Id);
        Assert.True(TerminatedOrAbsent(slots));
    }

    [Fact]
    public async Task A_live_slot_is_skipped_for_the_next_one()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var replyTo = Guid.Empty;
        fixture.Execute = command =>
        {
            replyTo = command.ReplyTo;
            return new JsonObject();
        };
        using var pump = Pump.Start(fixture);
        await fixture.Store.RegisterAsync("control." + ControlStoreFixture.NameSpace, $"reply.{Environment.UserName}.0");

        await Client(fixture).SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), Timeout, null, CancellationToken.None);

        Assert.Equal(Slot(1), replyTo);
    }

    [Fact]
    public async Task A_stale_reply_in_a_reused_slot_an_unsealed_success_and_unreadable_bodies_are_dropped()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        fixture.Execute = command =>
        {
            // Before the real reply, the slot gets a late sealed reply to an earlier command, a forged unsealed "success" to this one, and bodies with duplicate keys.
            var stale = ControlReply.Success(command with { CorrelationId = Guid.NewGuid() }, fixture.Own, new JsonObject { ["stale"] = true });
            var forged = ControlReply.Success(command, fixture.Own, new JsonObject { ["forged"] = true });
            fixture.Store.SendAsync(OutgoingMessage.Create(command.ReplyTo, ControlEnvelope.Seal(fixture.Token, stale.ToJson()), fixture.Own)).GetAwaiter().GetResult();
            fixture.Store.SendAsync(OutgoingMessage.Create(command.ReplyTo, ControlEnvelope.Unsealed(forged.ToJson()), fixture.Own)).GetAwaiter().GetResult();
            fixture.Store.SendAsync(OutgoingMessage.Create(command.ReplyTo, "not control at all", fixture.Own)).GetAwaiter().GetResult();
            fixture.Store.SendAsync(OutgoingMessage.Create(command.ReplyTo, "{\"swarm_control\":1,\"swarm_control\":1,\"payload\":\"{}\"}", fixture.Own)).GetAwaiter().GetResult();
            var duplicated = $"{{\"type\":\"reply\",\"correlation_id\":\"{command.CorrelationId}\",\"ok\":true,\"ok\":false}}";
            fixture.Store.SendAsync(OutgoingMessage.Create(command.ReplyTo, ControlEnvelope.Seal(fixture.Token, duplicated), fixture.Own)).GetAwaiter().GetResult();
            return new JsonObject { ["real"] = true };
        };
        using var pump = Pump.Start(fixture);

        var reply = await Client(fixture).SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), Timeout, null, CancellationToken.None);

        Assert.Equal("{\"real\":true}", reply.Result!.ToJsonString());
    }

    [Fact]
    public async Task A_retry_with_the_same_correlation_id_is_answered_replayed_without_running_again()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        using var pump = Pump.Start(fixture);
        var client = Client(fixture);
        var correlation = Guid.NewGuid();

        var first = await client.SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), Timeout, correlation, CancellationToken.None);
        var retry = await client.SendAsync(fixture.Own, "test manager", ControlCommand.Status, new JsonObject(), Timeout, correlation, CancellationToken.None);

        Assert.Equal(correlation, first.CorrelationId);
        Assert.False(first.Replayed);
        Assert.True(retry.Replayed);
        Assert.Equal(1, fixture.Executions);
    }

    private static ControlClient Client(ControlStoreFixture fixture) => new(fixture.Store, fixture.Token, ControlStoreFixture.NameSpace);

    private static bool TerminatedOrAbsent(IReadOnlyList<MailboxStatus> slots) => slots.All(slot => slot.State == MailboxState.Terminated);

    /// <summary>The receiving loop of a manager, on the fixture's mailbox, until disposed.</summary>
    private sealed class Pump : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;

        public static Pump Start(ControlStoreFixture fixture)
        {
            var pump = new Pump();
            var receiver = fixture.Receiver();
            pump._loop = Task.Run(async () =>
            {
                while (!pump._stop.IsCancellationRequested)
                {
                    IReadOnlyList<ReceivedMessage> messages;
                    try
                    {
                        messages = await fixture.Store.ReceiveAsync(fixture.Own, new ReceiveRequest(1, Wait: TimeSpan.FromMilliseconds(500)), pump._stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    foreach (var message in messages)
                    {
                        await receiver.HandleAsync(message, () => fixture.Store.AcknowledgeAsync(fixture.Own, new[] { message.Id }), CancellationToken.None);
                    }
                }
            });
            return pump;
        }

        public void Dispose()
        {
            _stop.Cancel();
            // A failure inside the loop (a receiver that threw) fails the test here.
            _loop.GetAwaiter().GetResult();
            _stop.Dispose();
        }
    }
}
