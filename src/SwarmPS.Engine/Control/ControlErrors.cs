namespace SwarmPS.Engine.Control;

/// <summary>The refusals of the protocol itself, shared by every receiver and caller (docs/errors.md, pillar Control).</summary>
public static class ControlErrors
{
    public static SwarmException TokenRejected(string receiver, string nameSpace) => new(
        "ControlTokenRejected",
        $"The {receiver} refused the command: it was not sealed with namespace '{nameSpace}''s control token.",
        $"Use the control token the {receiver} uses: SWARM_CONTROL_TOKEN, SWARM_CONTROL_TOKEN_FILE, or ~/.config/swarmps/control/{nameSpace}.token, the same on both sides.",
        SwarmErrorCategory.PermissionDenied,
        receiver);

    public static SwarmException CommandInvalid(string problem) => new(
        "ControlCommandInvalid",
        $"The command could not be read: {problem}.",
        "Send commands as docs/control-protocol.md describes them (Send-SwarmControl does).",
        SwarmErrorCategory.InvalidData);

    public static SwarmException CommandUnknown(string command, string receiver, IEnumerable<string> known) => new(
        "ControlCommandUnknown",
        $"The {receiver} does not know the command '{command}'.",
        $"Send one of: {string.Join(", ", known)}.",
        SwarmErrorCategory.InvalidArgument,
        command);

    public static SwarmException NamespaceMismatch(string sent, string own, string receiver) => new(
        "ControlNamespaceMismatch",
        $"The command is for namespace '{sent}', but the {receiver} serves namespace '{own}'; control never crosses namespaces.",
        $"Pass -Namespace {own} (or set SWARM_NAMESPACE={own}) with that namespace's control token, or address the {receiver} of namespace '{sent}'.",
        SwarmErrorCategory.InvalidArgument,
        sent);

    public static SwarmException TargetMismatch(Guid sent, Guid own, string receiver) => new(
        "ControlTargetMismatch",
        $"The command names mailbox {sent} as its target, but it reached the {receiver} ({own}): it was meant for someone else and is not executed.",
        "Send each command to the mailbox it names (Send-SwarmControl derives both from -Site and -Namespace).",
        SwarmErrorCategory.InvalidArgument,
        sent);

    public static SwarmException CommandExpired(ControlCommand command, DateTimeOffset now) => new(
        "ControlCommandExpired",
        $"The command '{command.Command}' (correlation id {command.CorrelationId}, sent {ControlTime.Format(command.SentAt)} by {command.Sender}) is not executed: "
        + (now > command.ExpiresAt ? $"it expired at {ControlTime.Format(command.ExpiresAt)}, before it was received (receiver's clock {ControlTime.Format(now)})."
           : command.SentAt > now + ControlReceiver.ClockSkew ? $"it was sent more than {ControlReceiver.ClockSkew.TotalMinutes:0} minutes in the receiver's future (receiver's clock {ControlTime.Format(now)})."
           : $"it claims to be valid for more than {ControlReceiver.MaxLifetime.TotalHours:0} hour."),
        "Send it again (a new command). If clocks disagree, fix the clock of the sender or the receiver (NTP).",
        SwarmErrorCategory.OperationTimeout,
        command.CorrelationId);

    public static SwarmException CommandInterrupted(ControlCommand command) => new(
        "ControlCommandInterrupted",
        $"The command '{command.Command}' (correlation id {command.CorrelationId}) was accepted once already, and its receiver stopped before it finished; it is not run twice.",
        "Ask for the state with Send-SwarmControl -Command Status (or Get-SwarmWorkflow), then send a new command if it is still needed.",
        SwarmErrorCategory.InvalidOperation,
        command.CorrelationId);
}
