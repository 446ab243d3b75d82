using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>The receiver against a real SQLite store: the checks in the protocol's order, replay, at-most-once, and what it records.</summary>
public sealed class ControlReceiverTests
{
    [Fact]
    public async Task A_sealed_status_command_gets_a_sealed_ok_reply_and_runs_once()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);

        await fixture.HandleAsync(command);

        var reply = await fixture.SealedReplyAsync();
        Assert.True(reply.Ok);
        Assert.False(reply.Replayed);
        Assert.Equal(command.CorrelationId, reply.CorrelationId);
        Assert.Equal(fixture.Own, reply.From);
        Assert.Equal("status", reply.Result!["ran"]!.GetValue<string>());
        Assert.Equal(1, fixture.Executions);
    }

    [Fact]
    public async Task A_command_sealed_with_another_token_gets_an_unsealed_ControlTokenRejected_and_never_runs()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);

        await fixture.HandleAsync(command, ControlTestKit.Token(ControlTestKit.OtherTokenText));

        var envelope = Assert.Single(await fixture.RepliesAsync());
        Assert.Null(envelope.Mac);
        var reply = ControlReply.TryParse(envelope.Payload)!;
        Assert.Equal("ControlTokenRejected", reply.Error!.ErrorId);
        Assert.Equal(command.CorrelationId, reply.CorrelationId);
        Assert.Equal(0, fixture.Executions);
        Assert.Equal(1, fixture.Acknowledgements);
        Assert.Null(fixture.Handled.Find(command.CorrelationId));
    }

    [Fact]
    public async Task A_command_with_its_payload_altered_after_sealing_is_rejected_unsealed()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        var outer = JsonNode.Parse(ControlEnvelope.Seal(fixture.Token, command.ToJson()))!.AsObject();
        outer["payload"] = command.ToJson().Replace("\"status\"", "\"stop\"");

        await fixture.HandleAsync(outer.ToJsonString());

        var envelope = Assert.Single(await fixture.RepliesAsync());
        Assert.Null(envelope.Mac);
        Assert.Equal("ControlTokenRejected", ControlReply.TryParse(envelope.Payload)!.Error!.ErrorId);
        Assert.Equal(0, fixture.Executions);
    }

    public static TheoryData<string> Refusals() => new() { "namespace", "target", "expired", "future", "lifetime" };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_sealed_command_failing_a_check_gets_a_sealed_refusal_naming_it_and_never_runs(string check)
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var (command, errorId) = check switch
        {
            "namespace" => (ControlTestKit.Command(fixture.Own, fixture.ReplyTo, nameSpace: "team-b"), "ControlNamespaceMismatch"),
            "target" => (ControlTestKit.Command(Guid.NewGuid(), fixture.ReplyTo), "ControlTargetMismatch"),
            "expired" => (ControlTestKit.Command(fixture.Own, fixture.ReplyTo, sentAt: now - TimeSpan.FromMinutes(2), lifetime: TimeSpan.FromMinutes(1)), "ControlCommandExpired"),
            "future" => (ControlTestKit.Command(fixture.Own, fixture.ReplyTo, sentAt: now + TimeSpan.FromMinutes(6), lifetime: TimeSpan.FromMinutes(1)), "ControlCommandExpired"),
            _ => (ControlTestKit.Command(fixture.Own, fixture.ReplyTo, sentAt: now, lifetime: TimeSpan.FromMinutes(61)), "ControlCommandExpired"),
        };

        await fixture.HandleAsync(command);

        var reply = await fixture.SealedReplyAsync();
        Assert.False(reply.Ok);
        Assert.Equal(errorId, reply.Error!.ErrorId);
        Assert.False(string.IsNullOrEmpty(reply.Error.Remediation));
        Assert.Equal(command.CorrelationId, reply.CorrelationId);
        Assert.Equal(0, fixture.Executions);
        Assert.Equal(1, fixture.Acknowledgements);
        Assert.Null(fixture.Handled.Find(command.CorrelationId));
        var recorded = Assert.Single(fixture.EventLines(), line => line["kind"]!.GetValue<string>() == "control_command");
        Assert.False(recorded["accepted"]!.GetValue<bool>());
        Assert.Equal(errorId, recorded["error_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_command_just_inside_its_limits_runs()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var now = DateTimeOffset.UtcNow;

        await fixture.HandleAsync(ControlTestKit.Command(fixture.Own, fixture.ReplyTo, sentAt: now + TimeSpan.FromMinutes(4), lifetime: TimeSpan.FromMinutes(1)));
        await fixture.HandleAsync(ControlTestKit.Command(fixture.Own, fixture.ReplyTo, sentAt: now, lifetime: TimeSpan.FromMinutes(59)));

        Assert.All(await fixture.RepliesAsync(), envelope => Assert.True(ControlReply.TryParse(envelope.Payload)!.Ok));
        Assert.Equal(2, fixture.Executions);
    }

    [Fact]
    public async Task The_same_correlation_id_twice_runs_once_and_the_second_reply_is_the_first_replayed()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        var runs = 0;
        fixture.Execute = _ => new JsonObject { ["run"] = ++runs };

        await fixture.HandleAsync(command);
        var first = await fixture.SealedReplyAsync();
        await fixture.HandleAsync(command);
        var second = await fixture.SealedReplyAsync();

        Assert.Equal(1, fixture.Executions);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.True(second.Ok);
        Assert.Equal(first.Result!.ToJsonString(), second.Result!.ToJsonString());
        Assert.Equal(2, fixture.Acknowledgements);
    }

    [Fact]
    public async Task A_command_journaled_as_accepted_without_a_reply_is_ControlCommandInterrupted_and_not_run_again()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo, ControlCommand.Start);
        // What a receiver killed mid-run leaves: the journal line written before execute, no reply.
        fixture.Handled.Accepted(command);

        await fixture.HandleAsync(command);

        var reply = await fixture.SealedReplyAsync();
        Assert.Equal("ControlCommandInterrupted", reply.Error!.ErrorId);
        Assert.True(reply.Replayed);
        Assert.Equal(0, fixture.Executions);
    }

    [Fact]
    public async Task A_SwarmException_from_execute_becomes_a_sealed_refusal_with_its_id_and_is_replayed_as_such()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo, ControlCommand.Start);
        fixture.Execute = _ => throw new SwarmException("AgentsAlreadyRunning", "chat-007 runs ping, pong", "Stop it first: Send-SwarmControl -Command Stop");

        await fixture.HandleAsync(command);
        var reply = await fixture.SealedReplyAsync();
        await fixture.HandleAsync(command);
        var replayed = await fixture.SealedReplyAsync();

        Assert.Equal(new ControlError("AgentsAlreadyRunning", "chat-007 runs ping, pong", "Stop it first: Send-SwarmControl -Command Stop"), reply.Error);
        Assert.Null(reply.Result);
        Assert.Equal(reply.Error, replayed.Error);
        Assert.True(replayed.Replayed);
        Assert.Equal(1, fixture.Executions);
        var outcome = Assert.Single(fixture.EventLines(), line => line["kind"]!.GetValue<string>() == "control_reply");
        Assert.False(outcome["ok"]!.GetValue<bool>());
        Assert.Equal("AgentsAlreadyRunning", outcome["error_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_accepted_command_is_acknowledged_once_and_before_it_runs()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        long pendingWhileRunning = -1;
        fixture.Execute = _ =>
        {
            pendingWhileRunning = fixture.Store.GetStatusAsync(new[] { fixture.Own }).GetAwaiter().GetResult()[0].Pending;
            return new JsonObject();
        };

        await fixture.HandleAsync(command);

        Assert.Equal(new[] { "ack", "execute " + command.CorrelationId }, fixture.Trace);
        Assert.Equal(0, pendingWhileRunning);
        Assert.Equal(ControlReply.TryParse((await fixture.RepliesAsync())[0].Payload)!.CorrelationId, command.CorrelationId);
    }

    [Fact]
    public async Task An_execute_that_throws_something_else_leaves_the_command_acknowledged_and_journaled_as_interrupted()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        fixture.Execute = _ => throw new IOException("disk gone");

        await Assert.ThrowsAsync<IOException>(() => fixture.HandleAsync(command));

        Assert.Equal(1, fixture.Acknowledgements);
        Assert.Null(fixture.Handled.Find(command.CorrelationId)!.Reply);
        Assert.Equal(0, (await fixture.Store.GetStatusAsync(new[] { fixture.Own }))[0].Pending);
    }

    [Theory]
    [InlineData("hello, peer")]
    [InlineData("{\"type\":\"ping\"}")]
    [InlineData("{\"swarm_control\":2,\"payload\":\"{}\",\"mac\":null}")]
    [InlineData("{\"swarm_control\":1,\"swarm_control\":1,\"payload\":\"{}\",\"mac\":null}")]
    public async Task A_body_that_is_not_a_control_message_is_acknowledged_and_ignored_without_a_reply(string body)
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();

        await fixture.HandleAsync(body);

        Assert.Empty(await fixture.RepliesAsync());
        Assert.Equal(0, fixture.Executions);
        Assert.Equal(1, fixture.Acknowledgements);
        var recorded = Assert.Single(fixture.EventLines());
        Assert.Equal("not a control message", recorded["ignored"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_sealed_payload_that_is_not_a_command_gets_ControlCommandInvalid_where_it_claims_to_want_it()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var correlation = Guid.NewGuid();

        await fixture.HandleAsync(ControlEnvelope.Seal(fixture.Token, $"{{\"type\":\"command\",\"reply_to\":\"{fixture.ReplyTo}\",\"correlation_id\":\"{correlation}\",\"sent_at\":\"never\"}}"));

        var reply = await fixture.SealedReplyAsync();
        Assert.Equal("ControlCommandInvalid", reply.Error!.ErrorId);
        Assert.Equal(correlation, reply.CorrelationId);
        Assert.Equal(0, fixture.Executions);
        Assert.Equal(1, fixture.Acknowledgements);
    }

    [Fact]
    public async Task A_sealed_command_with_a_property_named_twice_in_its_args_is_ControlCommandInvalid_and_never_runs()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var command = ControlTestKit.Command(fixture.Own, fixture.ReplyTo, ControlCommand.Start);
        var payload = command.ToJson().Replace("\"args\":{\"run_id\":\"chat-007\"}", "\"args\":{\"run_id\":\"chat-007\",\"run_id\":\"other\"}");
        Assert.NotEqual(command.ToJson(), payload);
        fixture.Execute = executed => new JsonObject { ["run_id"] = executed.Arg("run_id") };

        await fixture.HandleAsync(ControlEnvelope.Seal(fixture.Token, payload));

        var reply = await fixture.SealedReplyAsync();
        Assert.Equal("ControlCommandInvalid", reply.Error!.ErrorId);
        Assert.Equal(command.CorrelationId, reply.CorrelationId);
        Assert.Equal(0, fixture.Executions);
        Assert.Equal(1, fixture.Acknowledgements);
    }

    [Fact]
    public async Task A_reply_to_a_terminated_or_unknown_mailbox_is_dropped_without_throwing()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        await fixture.Store.TerminateAsync(fixture.ReplyTo);

        await fixture.HandleAsync(ControlTestKit.Command(fixture.Own, fixture.ReplyTo));
        await fixture.HandleAsync(ControlTestKit.Command(fixture.Own, Guid.NewGuid()));
        await fixture.HandleAsync(ControlTestKit.Command(fixture.Own, Guid.NewGuid()), ControlTestKit.Token(ControlTestKit.OtherTokenText));

        Assert.Equal(2, fixture.Executions);
        Assert.Equal(3, fixture.Acknowledgements);
        var dropped = fixture.EventLines().Where(line => line["reply_dropped"] is not null).Select(line => line["reply_dropped"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { "MailboxTerminated", "MailboxNotFound", "MailboxNotFound" }, dropped);
    }

    [Fact]
    public async Task Events_record_every_command_and_outcome_and_never_the_token_or_the_mac()
    {
        await using var fixture = await ControlStoreFixture.CreateAsync();
        var accepted = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        var refused = ControlTestKit.Command(fixture.Own, fixture.ReplyTo, nameSpace: "team-b");
        var forged = ControlTestKit.Command(fixture.Own, fixture.ReplyTo);
        var intruder = ControlTestKit.Token(ControlTestKit.OtherTokenText);

        await fixture.HandleAsync(accepted);
        await fixture.HandleAsync(refused);
        await fixture.HandleAsync(forged, intruder);
        await fixture.HandleAsync(accepted);

        var text = await File.ReadAllTextAsync(fixture.Events.Path);
        Assert.DoesNotContain(ControlTestKit.TokenText, text);
        Assert.DoesNotContain(ControlTestKit.OtherTokenText, text);
        foreach (var (command, token) in new[] { (accepted, fixture.Token), (refused, fixture.Token), (forged, intruder) })
        {
            Assert.DoesNotContain(token.Mac(command.ToJson()), text);
        }

        var commands = fixture.EventLines().Where(line => line["kind"]!.GetValue<string>() == "control_command").ToList();
        Assert.Equal(4, commands.Count);
        Assert.Equal(new bool?[] { true, false, false, false }, commands.Select(line => line["accepted"]?.GetValue<bool>()));
        Assert.Equal(new bool?[] { true, true, false, true }, commands.Select(line => line["verified"]?.GetValue<bool>()));
        Assert.Equal(new[] { null, "ControlNamespaceMismatch", "ControlTokenRejected", null }, commands.Select(line => line["error_id"]?.GetValue<string>()));
        Assert.True(commands[3]["replayed"]!.GetValue<bool>());
        Assert.Equal("alice@login1 (pid 4242)", commands[0]["sender"]!.GetValue<string>());
        var outcome = Assert.Single(fixture.EventLines(), line => line["kind"]!.GetValue<string>() == "control_reply");
        Assert.Equal(accepted.CorrelationId.ToString(), outcome["correlation_id"]!.GetValue<string>());
        Assert.True(outcome["ok"]!.GetValue<bool>());
    }
}
