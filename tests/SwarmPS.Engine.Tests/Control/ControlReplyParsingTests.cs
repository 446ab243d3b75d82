using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>A reply's payload: a round trip keeps it, and nothing short of an explicit ok with no error reads as a success.</summary>
public sealed class ControlReplyParsingTests
{
    private static readonly ControlCommand Sent = ControlTestKit.Command(Guid.NewGuid(), Guid.NewGuid());

    [Fact]
    public void A_success_round_trips_with_every_field()
    {
        var reply = ControlReply.Success(Sent, Guid.NewGuid(), new JsonObject { ["runs"] = new JsonArray(new JsonObject { ["run_id"] = "chat-007" }) }) with { Replayed = true };

        var read = ControlReply.TryParse(reply.ToJson());

        Assert.NotNull(read);
        Assert.Equal(reply.Namespace, read.Namespace);
        Assert.Equal(reply.CorrelationId, read.CorrelationId);
        Assert.Equal(reply.Command, read.Command);
        Assert.Equal(reply.From, read.From);
        Assert.Equal(ControlTime.Format(reply.SentAt), ControlTime.Format(read.SentAt));
        Assert.True(read.Ok);
        Assert.True(read.Replayed);
        Assert.Null(read.Error);
        Assert.Equal(reply.Result!.ToJsonString(), read.Result!.ToJsonString());
    }

    [Fact]
    public void A_refusal_round_trips_with_its_error()
    {
        var reply = ControlReply.Refusal(Sent, Guid.NewGuid(), new SwarmException("AgentsAlreadyRunning", "chat-007 runs", "Stop it first"));

        var read = ControlReply.TryParse(reply.ToJson());

        Assert.NotNull(read);
        Assert.False(read.Ok);
        Assert.Null(read.Result);
        Assert.Equal(new ControlError("AgentsAlreadyRunning", "chat-007 runs", "Stop it first"), read.Error);
    }

    [Theory]
    [InlineData("{\"ok\":false,\"error\":null}")]
    [InlineData("{\"ok\":false}")]
    [InlineData("{\"ok\":\"true\",\"error\":null}")]
    [InlineData("{\"ok\":1}")]
    [InlineData("{}")]
    public void Anything_but_ok_true_without_an_error_is_a_refusal(string fields)
    {
        var payload = JsonNode.Parse(fields)!.AsObject();
        payload["type"] = "reply";
        payload["correlation_id"] = Sent.CorrelationId.ToString();
        payload["result"] = new JsonObject { ["looks"] = "fine" };

        var read = ControlReply.TryParse(payload.ToJsonString());

        Assert.NotNull(read);
        Assert.False(read.Ok);
        Assert.Equal("ControlReplyInvalid", read.Error!.ErrorId);
    }

    [Fact]
    public void Ok_true_with_an_error_is_a_refusal_with_that_error()
    {
        var payload = $"{{\"type\":\"reply\",\"correlation_id\":\"{Sent.CorrelationId}\",\"ok\":true,\"error\":{{\"error_id\":\"WorkflowUnknown\"}}}}";

        var read = ControlReply.TryParse(payload);

        Assert.NotNull(read);
        Assert.False(read.Ok);
        Assert.Equal("WorkflowUnknown", read.Error!.ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"type\":\"command\",\"correlation_id\":\"6f1c0f7e-3b7d-4d0f-9a4e-2f4a8e1b9c2d\",\"ok\":true}")]
    [InlineData("{\"type\":\"reply\",\"correlation_id\":\"nope\",\"ok\":true}")]
    [InlineData("{\"type\":\"reply\",\"ok\":true}")]
    [InlineData("{\"type\":\"reply\",\"correlation_id\":\"6f1c0f7e-3b7d-4d0f-9a4e-2f4a8e1b9c2d\",\"ok\":true,\"sent_at\":\"not a time\"}")]
    [InlineData("{\"type\":\"reply\",\"correlation_id\":\"6f1c0f7e-3b7d-4d0f-9a4e-2f4a8e1b9c2d\",\"ok\":true,\"ok\":false}")]
    public void A_payload_that_is_not_a_readable_reply_is_null_and_never_throws(string payload)
    {
        Assert.Null(ControlReply.TryParse(payload));
    }

    [Fact]
    public void Fields_of_the_wrong_type_read_as_absent()
    {
        var payload = $"{{\"type\":\"reply\",\"correlation_id\":\"{Sent.CorrelationId}\",\"ok\":true,\"namespace\":5,\"from\":\"x\",\"replayed\":\"yes\",\"result\":[1]}}";

        var read = ControlReply.TryParse(payload);

        Assert.NotNull(read);
        Assert.True(read.Ok);
        Assert.Equal("", read.Namespace);
        Assert.Equal(Guid.Empty, read.From);
        Assert.False(read.Replayed);
        Assert.Null(read.Result);
    }
}
