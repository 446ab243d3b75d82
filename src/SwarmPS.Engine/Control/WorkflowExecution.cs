using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// One execution of a named workflow, as its workflow agent reports it (docs/control-protocol.md "Workflow agent
/// commands"). <see cref="State"/> is Running, Succeeded, Failed or Stopped; the agent may be written in any language.
/// </summary>
public sealed record WorkflowExecution
{
    public required string ExecutionId { get; init; }

    public required string Workflow { get; init; }

    public required string Namespace { get; init; }

    public required string State { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>The parameters it was started with, as JSON text (any shape the workflow takes).</summary>
    public string Parameters { get; init; } = "{}";

    public required string RunId { get; init; }

    public required string Agent { get; init; }

    public static WorkflowExecution From(JsonObject execution, string runId, string agent) => new()
    {
        ExecutionId = ControlJson.Text(execution, "execution_id") ?? throw Invalid("execution_id", agent),
        Workflow = ControlJson.Text(execution, "workflow") ?? throw Invalid("workflow", agent),
        Namespace = ControlJson.Text(execution, "namespace") ?? "",
        State = ControlJson.Text(execution, "state") ?? throw Invalid("state", agent),
        StartedAt = ControlJson.Text(execution, "started_at") is { } started ? ControlTime.Parse(started) : null,
        EndedAt = ControlJson.Text(execution, "ended_at") is { } ended ? ControlTime.Parse(ended) : null,
        ExitCode = execution["exit_code"] is JsonValue code && code.TryGetValue<int>(out var number) ? number : null,
        Parameters = execution["parameters"]?.ToJsonString() ?? "{}",
        RunId = runId,
        Agent = agent,
    };

    private static SwarmException Invalid(string field, string agent) => new(
        "WorkflowReplyInvalid",
        $"The workflow agent '{agent}' answered with an execution that has no '{field}'.",
        "Make the workflow agent answer as docs/control-protocol.md describes an execution.",
        SwarmErrorCategory.InvalidData,
        agent);
}
