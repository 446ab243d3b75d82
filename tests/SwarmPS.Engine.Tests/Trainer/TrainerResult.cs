using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>What a trainer process did: its exit code, its stdout JSON lines and its stderr.</summary>
internal sealed record TrainerResult(int ExitCode, IReadOnlyList<JsonObject> Lines, string Stderr)
{
    /// <summary>Every heartbeat line, setup and training ones: what the manifest's heartbeat_count counts.</summary>
    public IEnumerable<JsonObject> Heartbeats => Lines.Where(l => (string?)l["event"] == "heartbeat");

    /// <summary>The heartbeats of the training loop, from step 0 on: each with its step and loss.</summary>
    public IEnumerable<JsonObject> TrainingHeartbeats => Heartbeats.Where(l => (string?)l["phase"] == "train");

    /// <summary>The heartbeats a train job prints while it sets up, before step 0: no step, no loss.</summary>
    public IEnumerable<JsonObject> SetupHeartbeats => Heartbeats.Where(l => (string?)l["phase"] == "setup");

    public string Describe() => $"exit {ExitCode}; stdout: {string.Join(" | ", Lines.Select(l => l.ToJsonString()))}; stderr: {Stderr}";

    /// <summary>Asserts the contract's failure: exit 2, one error line (the last) with the id, and a sentence on stderr.</summary>
    public JsonObject AssertFailed(string errorId)
    {
        Assert.True(ExitCode == 2, Describe());
        var last = Lines[^1];
        Assert.Equal("error", (string?)last["event"]);
        Assert.Equal(errorId, (string?)last["error_id"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)last["message"]));
        Assert.Single(Lines, l => (string?)l["event"] == "error");
        Assert.False(string.IsNullOrWhiteSpace(Stderr), "the trainer wrote no sentence on stderr");
        return last;
    }
}
