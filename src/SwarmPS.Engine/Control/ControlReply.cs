using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// A reply's payload (docs/control-protocol.md "Replies"): the command's result, or a refusal with a stable
/// error id. <see cref="Replayed"/> says it was stored from the first time this correlation id was handled.
/// </summary>
public sealed record ControlReply
{
    public required string Namespace { get; init; }

    public required Guid CorrelationId { get; init; }

    public required string Command { get; init; }

    public required Guid From { get; init; }

    public DateTimeOffset SentAt { get; init; } = DateTimeOffset.UtcNow;

    public bool Ok => Error is null;

    public bool Replayed { get; init; }

    public JsonObject? Result { get; init; }

    public ControlError? Error { get; init; }

    public static ControlReply Success(ControlCommand command, Guid from, JsonObject result) =>
        new() { Namespace = command.Namespace, CorrelationId = command.CorrelationId, Command = command.Command, From = from, Result = result };

    public static ControlReply Refusal(ControlCommand command, Guid from, SwarmException error) =>
        new() { Namespace = command.Namespace, CorrelationId = command.CorrelationId, Command = command.Command, From = from, Error = ControlError.Of(error) };

    public string ToJson() => ToNode().ToJsonString();

    public JsonObject ToNode() => new()
    {
        ["type"] = "reply",
        ["namespace"] = Namespace,
        ["correlation_id"] = CorrelationId.ToString(),
        ["command"] = Command,
        ["from"] = From.ToString(),
        ["sent_at"] = ControlTime.Format(SentAt),
        ["ok"] = Ok,
        ["replayed"] = Replayed,
        ["result"] = Result is null ? null : JsonNode.Parse(Result.ToJsonString()),
        ["error"] = Error?.ToJson(),
    };

    public static ControlReply? TryParse(string payload)
    {
        try
        {
            if (ControlJson.Parse(payload) is not JsonObject json || ControlJson.Text(json, "type") != "reply"
                || !Guid.TryParse(ControlJson.Text(json, "correlation_id"), out var correlation))
            {
                return null;
            }

            var error = json["error"] as JsonObject;
            var ok = json["ok"] is JsonValue okValue && okValue.TryGetValue<bool>(out var flag) && flag;
            return new ControlReply
            {
                Namespace = ControlJson.Text(json, "namespace") ?? "",
                CorrelationId = correlation,
                Command = ControlJson.Text(json, "command") ?? "",
                From = Guid.TryParse(ControlJson.Text(json, "from"), out var from) ? from : Guid.Empty,
                SentAt = ControlJson.Text(json, "sent_at") is { } sent ? ControlTime.Parse(sent) : DateTimeOffset.MinValue,
                Replayed = json["replayed"] is JsonValue replayed && replayed.TryGetValue<bool>(out var again) && again,
                Result = json["result"] is JsonObject result ? (JsonObject)JsonNode.Parse(result.ToJsonString())! : null,
                // ok false with no usable error is still a refusal, never read as a success.
                Error = ok && error is null ? null : ControlError.From(error),
            };
        }
        catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>A refusal as the wire carries it: the stable id, the message naming the problem, the remediation naming the fix.</summary>
public sealed record ControlError(string ErrorId, string Message, string Remediation)
{
    public static ControlError Of(SwarmException error) => new(error.ErrorId, error.Message, error.Remediation);

    public static ControlError From(JsonObject? json) => new(
        json is null ? "ControlReplyInvalid" : ControlJson.Text(json, "error_id") ?? "ControlReplyInvalid",
        json is null ? "The reply says it failed but names no error." : ControlJson.Text(json, "message") ?? "",
        json is null ? "" : ControlJson.Text(json, "remediation") ?? "");

    public JsonObject ToJson() => new() { ["error_id"] = ErrorId, ["message"] = Message, ["remediation"] = Remediation };
}
