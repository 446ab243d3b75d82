using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>What the control tests share: a token from a given environment (never the process's), and a well-formed command.</summary>
internal static class ControlTestKit
{
    public const string TokenText = "0123456789abcdef-control";

    public const string OtherTokenText = "fedcba9876543210-intruder";

    public static ControlToken Token(string text = TokenText) =>
        ControlToken.Read("default", Environment(new() { [ControlToken.Variable] = text }));

    /// <summary>An environment that holds only <paramref name="variables"/>, so a test never reads or changes the process's.</summary>
    public static Func<string, string?> Environment(Dictionary<string, string> variables) =>
        name => variables.TryGetValue(name, out var value) ? value : null;

    public static ControlCommand Command(Guid target, Guid replyTo, string command = ControlCommand.Status, string nameSpace = "default", DateTimeOffset? sentAt = null, TimeSpan? lifetime = null, Guid? correlationId = null)
    {
        var sent = sentAt ?? DateTimeOffset.UtcNow;
        return new ControlCommand
        {
            Namespace = nameSpace,
            CorrelationId = correlationId ?? Guid.NewGuid(),
            Command = command,
            Target = target,
            ReplyTo = replyTo,
            SentAt = sent,
            ExpiresAt = sent + (lifetime ?? TimeSpan.FromMinutes(1)),
            Sender = new ControlSender("alice", "login1", 4242),
            Args = new JsonObject { ["run_id"] = "chat-007" },
        };
    }
}
