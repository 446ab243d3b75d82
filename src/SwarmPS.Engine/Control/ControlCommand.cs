using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// A command's payload (docs/control-protocol.md "Commands"). Every field is bound by the envelope's MAC,
/// so the target, the expiry and the arguments cannot be altered in flight.
/// </summary>
public sealed record ControlCommand
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string Status = "status";
    public const string WorkflowStart = "workflow.start";
    public const string WorkflowStop = "workflow.stop";
    public const string WorkflowList = "workflow.list";

    public required string Namespace { get; init; }

    public required Guid CorrelationId { get; init; }

    public required string Command { get; init; }

    public required Guid Target { get; init; }

    public required Guid ReplyTo { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required ControlSender Sender { get; init; }

    public JsonObject Args { get; init; } = new();

    public string ToJson() => new JsonObject
    {
        ["type"] = "command",
        ["namespace"] = Namespace,
        ["correlation_id"] = CorrelationId.ToString(),
        ["command"] = Command,
        ["target"] = Target.ToString(),
        ["reply_to"] = ReplyTo.ToString(),
        ["sent_at"] = ControlTime.Format(SentAt),
        ["expires_at"] = ControlTime.Format(ExpiresAt),
        ["sender"] = Sender.ToJson(),
        ["args"] = JsonNode.Parse(Args.ToJsonString()),
    }.ToJsonString();

    /// <summary>The command in a verified payload, or null when the payload is not a well-formed command (the caller says why).</summary>
    public static ControlCommand? TryParse(string payload, out string? problem)
    {
        problem = null;
        try
        {
            if (ControlJson.Parse(payload) is not JsonObject json || ControlJson.Text(json, "type") != "command")
            {
                problem = "the payload is not a command (type is not \"command\")";
                return null;
            }

            return new ControlCommand
            {
                Namespace = ControlJson.Text(json, "namespace") ?? throw Missing("namespace"),
                CorrelationId = Id(json, "correlation_id"),
                Command = ControlJson.Text(json, "command") ?? throw Missing("command"),
                Target = Id(json, "target"),
                ReplyTo = Id(json, "reply_to"),
                SentAt = ControlTime.Parse(ControlJson.Text(json, "sent_at") ?? throw Missing("sent_at")),
                ExpiresAt = ControlTime.Parse(ControlJson.Text(json, "expires_at") ?? throw Missing("expires_at")),
                Sender = ControlSender.From(json["sender"] as JsonObject),
                Args = json["args"] is JsonObject args ? (JsonObject)JsonNode.Parse(args.ToJsonString())! : new JsonObject(),
            };
        }
        catch (Exception error) when (error is JsonException or FormatException or InvalidOperationException)
        {
            problem = error.Message;
            return null;
        }
    }

    /// <summary>The reply mailbox a payload claims, read without trusting anything else in it (for the refusal of a command whose MAC failed).</summary>
    public static (Guid ReplyTo, Guid CorrelationId)? TryClaimedReturn(string payload)
    {
        try
        {
            // Only the top level is looked into, so only a duplicate there (which reply_to?) makes it unreadable.
            return JsonNode.Parse(payload) is JsonObject json && Guid.TryParse(ControlJson.Text(json, "reply_to"), out var replyTo)
                ? (replyTo, Guid.TryParse(ControlJson.Text(json, "correlation_id"), out var correlation) ? correlation : Guid.Empty)
                : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A string argument, or null when absent; a non-string is refused by the caller's check.</summary>
    public string? Arg(string name) => Args[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static Guid Id(JsonObject json, string name) =>
        Guid.TryParse(ControlJson.Text(json, name), out var id) ? id : throw new FormatException($"'{name}' is missing or not a UUID");

    private static FormatException Missing(string name) => new($"'{name}' is missing");
}

/// <summary>Who sent a command, as it says: informative, for events (the MAC, not this, is the authority).</summary>
public sealed record ControlSender(string User, string Host, int Pid)
{
    public static ControlSender Current => new(Environment.UserName, Environment.MachineName, Environment.ProcessId);

    public JsonObject ToJson() => new() { ["user"] = User, ["host"] = Host, ["pid"] = Pid };

    public static ControlSender From(JsonObject? json) => new(
        json is null ? "?" : ControlJson.Text(json, "user") ?? "?",
        json is null ? "?" : ControlJson.Text(json, "host") ?? "?",
        json?["pid"] is JsonValue pid && pid.TryGetValue<int>(out var number) ? number : 0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{User}@{Host} (pid {Pid})");
}
