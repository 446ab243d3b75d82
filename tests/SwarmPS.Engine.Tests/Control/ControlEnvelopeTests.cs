using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>The envelope: what reads as a control message, and that its MAC binds the payload's exact text.</summary>
public sealed class ControlEnvelopeTests
{
    private readonly ControlToken _token = ControlTestKit.Token();

    [Fact]
    public void A_sealed_payload_reads_back_exactly_and_is_sealed_with_its_token_only()
    {
        const string payload = "{ \"type\" : \"command\",\n \"x\": \"é\" }";

        var envelope = ControlEnvelope.TryRead(ControlEnvelope.Seal(_token, payload));

        Assert.NotNull(envelope);
        Assert.Equal(payload, envelope.Payload);
        Assert.Equal(_token.Mac(payload), envelope.Mac);
        Assert.True(envelope.IsSealedWith(_token));
        Assert.False(envelope.IsSealedWith(ControlTestKit.Token(ControlTestKit.OtherTokenText)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"swarm_control\":1,\"payload\":")]
    [InlineData("[{\"swarm_control\":1,\"payload\":\"{}\",\"mac\":null}]")]
    [InlineData("\"{\\\"swarm_control\\\":1}\"")]
    [InlineData("{\"swarm_control\":2,\"payload\":\"{}\",\"mac\":null}")]
    [InlineData("{\"swarm_control\":\"1\",\"payload\":\"{}\",\"mac\":null}")]
    [InlineData("{\"swarm_control\":1.5,\"payload\":\"{}\",\"mac\":null}")]
    [InlineData("{\"payload\":\"{}\",\"mac\":null}")]
    [InlineData("{\"swarm_control\":1,\"payload\":{\"type\":\"command\"},\"mac\":null}")]
    [InlineData("{\"swarm_control\":1,\"payload\":42,\"mac\":null}")]
    [InlineData("{\"swarm_control\":1,\"mac\":null}")]
    [InlineData("{\"swarm_control\":1,\"swarm_control\":1,\"payload\":\"{}\",\"mac\":null}")]
    public void A_body_that_is_not_a_version_1_envelope_with_a_string_payload_is_not_a_control_message(string body)
    {
        Assert.Null(ControlEnvelope.TryRead(body));
    }

    [Fact]
    public void Deep_nesting_is_not_a_control_message_and_does_not_crash()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var deepInside = "{\"swarm_control\":1,\"payload\":\"{}\",\"x\":" + deep + "}";

        Assert.Null(ControlEnvelope.TryRead(deep));
        Assert.Null(ControlEnvelope.TryRead(deepInside));
    }

    [Fact]
    public void A_payload_altered_by_one_character_fails_its_mac()
    {
        const string payload = "{\"type\":\"command\",\"command\":\"stop\",\"run_id\":\"chat-007\"}";
        var outer = JsonNode.Parse(ControlEnvelope.Seal(_token, payload))!.AsObject();
        outer["payload"] = payload.Replace("chat-007", "chat-008");

        var envelope = ControlEnvelope.TryRead(outer.ToJsonString());

        Assert.NotNull(envelope);
        Assert.False(envelope.IsSealedWith(_token));
    }

    [Fact]
    public void An_unsealed_body_has_no_mac_and_is_never_sealed_with_any_token()
    {
        var envelope = ControlEnvelope.TryRead(ControlEnvelope.Unsealed("{\"type\":\"reply\"}"));

        Assert.NotNull(envelope);
        Assert.Null(envelope.Mac);
        Assert.False(envelope.IsSealedWith(_token));
        Assert.Contains("\"mac\":null", ControlEnvelope.Unsealed("{}"));
    }

    [Fact]
    public void A_mac_that_is_not_a_string_reads_as_no_mac()
    {
        var envelope = ControlEnvelope.TryRead("{\"swarm_control\":1,\"payload\":\"{}\",\"mac\":12345}");

        Assert.NotNull(envelope);
        Assert.Null(envelope.Mac);
        Assert.False(envelope.IsSealedWith(_token));
    }
}
