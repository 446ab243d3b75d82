using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>What Send-SwarmControl returns: the manager's answer to one command, with the slices it concerns.</summary>
public sealed record ControlResult
{
    public required string Site { get; init; }

    public required string Namespace { get; init; }

    public required string Command { get; init; }

    public required Guid CorrelationId { get; init; }

    /// <summary>True when the manager had handled this correlation id before and answered from its journal, without running it again.</summary>
    public bool Replayed { get; init; }

    public DateTimeOffset RepliedAt { get; init; }

    /// <summary>Start: the slice started. Stop: the slices stopped. Status: every slice the manager started.</summary>
    public IReadOnlyList<ControlRun> Runs { get; init; } = Array.Empty<ControlRun>();

    /// <summary>Status only: who runs the manager, "alice@login1 pid 4242".</summary>
    public string? Manager { get; init; }

    public static ControlResult From(string site, ControlReply reply)
    {
        var result = reply.Result ?? new JsonObject();
        var runs = reply.Command switch
        {
            ControlCommand.Start => new[] { result },
            ControlCommand.Stop => (result["stopped"] as JsonArray ?? new JsonArray()).OfType<JsonObject>(),
            _ => (result["runs"] as JsonArray ?? new JsonArray()).OfType<JsonObject>(),
        };
        return new ControlResult
        {
            Site = site,
            Namespace = reply.Namespace,
            Command = reply.Command,
            CorrelationId = reply.CorrelationId,
            Replayed = reply.Replayed,
            RepliedAt = reply.SentAt,
            Runs = runs.Select(ControlRun.From).ToList(),
            Manager = result["manager"] is JsonObject manager
                ? $"{ControlJson.Text(manager, "user")}@{ControlJson.Text(manager, "host")} pid {manager["pid"]}"
                : null,
        };
    }
}

/// <summary>One slice in a manager's answer: the run, its site's state, the manager's lifecycle of it, and its agents as "name (State)".</summary>
public sealed record ControlRun(string RunId, string? Campaign, string? State, string? Lifecycle, string? SiteDirectory, IReadOnlyList<string> Agents)
{
    public static ControlRun From(JsonObject run) => new(
        ControlJson.Text(run, "run_id") ?? "",
        ControlJson.Text(run, "campaign"),
        ControlJson.Text(run, "state"),
        ControlJson.Text(run, "lifecycle"),
        ControlJson.Text(run, "site_directory"),
        (run["agents"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(agent => $"{ControlJson.Text(agent, "name")} ({ControlJson.Text(agent, "state")})").ToList());
}
