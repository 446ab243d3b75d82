using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>What a trainer process did: its exit code, its stdout JSON lines and its stderr.</summary>
internal sealed record TrainerResult(int ExitCode, IReadOnlyList<JsonObject> Lines, string Stderr)
{
    public IEnumerable<JsonObject> Heartbeats => Lines.Where(l => (string?)l["event"] == "heartbeat");

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
