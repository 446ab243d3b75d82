using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>A command's payload, read from hostile text: never an exception, always null with the problem named.</summary>
public sealed class ControlCommandParsingTests
{
    [Fact]
    public void ToJson_then_TryParse_keeps_every_field()
    {
        var sent = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid(), ControlCommand.Start) with
        {
            Args = new JsonObject { ["campaign"] = "/home/alice/c.yaml", ["agents"] = new JsonArray("a", "b"), ["n"] = 3 },
        };

        var read = ControlCommand.TryParse(sent.ToJson(), out var problem);

        Assert.Null(problem);
        Assert.NotNull(read);
        Assert.Equal(sent.Namespace, read.Namespace);
        Assert.Equal(sent.CorrelationId, read.CorrelationId);
        Assert.Equal(sent.Command, read.Command);
        Assert.Equal(sent.Target, read.Target);
        Assert.Equal(sent.ReplyTo, read.ReplyTo);
        Assert.Equal(ControlTime.Format(sent.SentAt), ControlTime.Format(read.SentAt));
        Assert.Equal(ControlTime.Format(sent.ExpiresAt), ControlTime.Format(read.ExpiresAt));
        Assert.Equal(sent.Sender, read.Sender);
        Assert.Equal(sent.Args.ToJsonString(), read.Args.ToJsonString());
        Assert.Equal("/home/alice/c.yaml", read.Arg("campaign"));
        Assert.Null(read.Arg("n"));
    }

    public static TheoryData<string, string> Hostile() => new()
    {
        { "type", "\"reply\"" },
        { "type", "null" },
        { "namespace", "null" },
        { "namespace", "7" },
        { "correlation_id", "\"not-a-uuid\"" },
        { "correlation_id", "12345" },
        { "correlation_id", "null" },
        { "command", "[\"status\"]" },
        { "target", "\"\"" },
        { "target", "{}" },
        { "reply_to", "\"00000000-0000-0000-0000-00000000000g\"" },
        { "sent_at", "\"yesterday\"" },
        { "sent_at", "1733108645" },
        { "expires_at", "\"2026-13-45T99:00:00Z\"" },
        { "expires_at", "true" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_field_missing_or_of_the_wrong_shape_is_null_with_a_problem(string field, string json)
    {
        var payload = JsonNode.Parse(ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid()).ToJson())!.AsObject();
        payload[field] = JsonNode.Parse(json);
        var missing = JsonNode.Parse(payload.ToJsonString())!.AsObject();
        missing.Remove(field);

        Assert.Null(ControlCommand.TryParse(payload.ToJsonString(), out var wrong));
        Assert.False(string.IsNullOrEmpty(wrong));
        Assert.Null(ControlCommand.TryParse(missing.ToJsonString(), out var absent));
        Assert.False(string.IsNullOrEmpty(absent));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("[]")]
    [InlineData("\"command\"")]
    [InlineData("null")]
    [InlineData("{\"type\":\"command\"")]
    [InlineData("{\"type\":\"command\",\"type\":\"command\"}")]
    public void Text_that_is_not_a_command_object_is_null_with_a_problem(string payload)
    {
        Assert.Null(ControlCommand.TryParse(payload, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Deep_nesting_in_args_is_null_with_a_problem()
    {
        var payload = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid()).ToJson();
        var deep = payload.Replace("\"args\":{", "\"args\":{\"x\":" + new string('[', 10_000) + new string(']', 10_000) + ",");

        Assert.Null(ControlCommand.TryParse(deep, out var problem));
        Assert.NotNull(problem);
    }

    [Theory]
    [InlineData("args", "{\"campaign\":\"a.yaml\",\"campaign\":\"b.yaml\"}")]
    [InlineData("args", "{\"agents\":[{\"name\":\"a\",\"name\":\"b\"}]}")]
    [InlineData("sender", "{\"user\":\"alice\",\"user\":\"mallory\"}")]
    public void A_property_named_twice_anywhere_is_null_with_a_problem(string field, string json)
    {
        // Spliced as text: JsonNode itself would not hold a duplicate. Python keeps the last one; this reader must not pick either.
        var payload = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid()).ToJson();
        var start = payload.IndexOf($"\"{field}\":{{", StringComparison.Ordinal);
        var end = payload.IndexOf('}', start) + 1;
        var hostile = payload[..start] + $"\"{field}\":" + json + payload[end..];

        Assert.Null(ControlCommand.TryParse(hostile, out var problem));
        Assert.Contains("named twice", problem);
    }

    [Fact]
    public void A_sender_of_the_wrong_shape_and_args_that_are_not_an_object_are_tolerated()
    {
        var payload = JsonNode.Parse(ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid()).ToJson())!.AsObject();
        payload["sender"] = "alice";
        payload["args"] = new JsonArray(1, 2);

        var read = ControlCommand.TryParse(payload.ToJsonString(), out _);

        Assert.NotNull(read);
        Assert.Equal(new ControlSender("?", "?", 0), read.Sender);
        Assert.Empty(read.Args);
    }

    [Fact]
    public void The_claimed_return_is_read_without_trusting_the_rest()
    {
        var replyTo = Guid.NewGuid();
        var correlation = Guid.NewGuid();

        Assert.Equal((replyTo, correlation), ControlCommand.TryClaimedReturn($"{{\"reply_to\":\"{replyTo}\",\"correlation_id\":\"{correlation}\",\"sent_at\":5}}"));
        Assert.Equal((replyTo, Guid.Empty), ControlCommand.TryClaimedReturn($"{{\"reply_to\":\"{replyTo}\",\"correlation_id\":\"x\"}}"));
        Assert.Null(ControlCommand.TryClaimedReturn("{\"reply_to\":\"not-a-uuid\"}"));
        Assert.Null(ControlCommand.TryClaimedReturn("not json"));
        Assert.Null(ControlCommand.TryClaimedReturn($"[\"{replyTo}\"]"));
        Assert.Null(ControlCommand.TryClaimedReturn($"{{\"reply_to\":\"{replyTo}\",\"reply_to\":\"{replyTo}\"}}"));
    }
}
