using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// The trainer's standard output: one JSON object per line (heartbeat, done, error), flushed at once, so
/// the site launcher that watches it sees each beat when it happens and not when a buffer fills.
/// </summary>
internal sealed class ProgressLines(TextWriter output)
{
    public int HeartbeatCount { get; private set; }

    public void Heartbeat(int step, double loss)
    {
        Write(new Dictionary<string, object?> { ["event"] = "heartbeat", ["step"] = step, ["loss"] = loss, ["at"] = Time(DateTimeOffset.UtcNow) });
        HeartbeatCount++;
    }

    public void Done(string path) => Write(new Dictionary<string, object?> { ["event"] = "done", ["output"] = path });

    public void Error(string errorId, string message) =>
        Write(new Dictionary<string, object?> { ["event"] = "error", ["error_id"] = errorId, ["message"] = message });

    /// <summary>The contract's time form, 2026-12-01T09:30:00.000Z, the manifest's too.</summary>
    public static string Time(DateTimeOffset time) => TrainingDocuments.Time(time);

    private void Write(Dictionary<string, object?> line)
    {
        output.Write(CanonicalJson.Serialize(line) + "\n");
        output.Flush();
    }
}
