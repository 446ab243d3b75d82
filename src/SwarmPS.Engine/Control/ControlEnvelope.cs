using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The body of every control message (docs/control-protocol.md "The envelope"):
/// <c>{"swarm_control":1,"payload":"&lt;JSON text&gt;","mac":"&lt;hex&gt;"}</c>. The payload travels as a string so the
/// MAC covers its exact bytes and no participant has to reproduce anyone's JSON formatting.
/// </summary>
public sealed record ControlEnvelope(string Payload, string? Mac)
{
    public const int Version = 1;

    /// <summary>The payload sealed with the token's MAC.</summary>
    public static string Seal(ControlToken token, string payload) => Write(payload, token.Mac(payload));

    /// <summary>An unsealed body: only ever a refusal to a command whose MAC failed (the sender's token is not ours to seal with).</summary>
    public static string Unsealed(string payload) => Write(payload, null);

    /// <summary>The envelope in a message body, or null when the body is not a control message at all.</summary>
    public static ControlEnvelope? TryRead(string body)
    {
        try
        {
            if (ControlJson.Parse(body) is JsonObject outer
                && outer["swarm_control"] is JsonValue version && version.TryGetValue<int>(out var number) && number == Version
                && outer["payload"] is JsonValue payload && payload.TryGetValue<string>(out var text))
            {
                var mac = outer["mac"] is JsonValue value && value.TryGetValue<string>(out var hex) ? hex : null;
                return new ControlEnvelope(text, mac);
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    public bool IsSealedWith(ControlToken token) => Mac is not null && token.Verifies(Payload, Mac);

    private static string Write(string payload, string? mac) =>
        new JsonObject { ["swarm_control"] = Version, ["payload"] = payload, ["mac"] = mac }.ToJsonString();
}
