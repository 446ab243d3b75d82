using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// The trainer's standard output: one JSON object per line (heartbeat, done, error), flushed at once, so
/// the site launcher that watches it sees each beat when it happens and not when a buffer fills. Setup
/// heartbeats come from a timer thread (<see cref="SetupHeartbeats"/>), so a line and the count are written
/// under a lock: two lines never interleave.
/// </summary>
internal sealed class ProgressLines(TextWriter output)
{
    private readonly object _lock = new();
    private int _heartbeatCount;

    /// <summary>Every heartbeat line printed, setup and training ones: the manifest's heartbeat_count.</summary>
    public int HeartbeatCount
    {
        get
        {
            lock (_lock)
            {
                return _heartbeatCount;
            }
        }
    }

    /// <summary>A beat while the job sets up: no step and no loss yet.</summary>
    public void SetupHeartbeat() =>
        Beat(new Dictionary<string, object?> { ["event"] = "heartbeat", ["phase"] = "setup", ["at"] = Time(DateTimeOffset.UtcNow) });

    public void Heartbeat(int step, double loss) =>
        Beat(new Dictionary<string, object?> { ["event"] = "heartbeat", ["phase"] = "train", ["step"] = step, ["loss"] = loss, ["at"] = Time(DateTimeOffset.UtcNow) });

    public void Done(string path) => Write(new Dictionary<string, object?> { ["event"] = "done", ["output"] = path });

    public void Error(string errorId, string message) =>
        Write(new Dictionary<string, object?> { ["event"] = "error", ["error_id"] = errorId, ["message"] = message });

    /// <summary>The contract's time form, 2026-12-01T09:30:00.000Z, the manifest's too.</summary>
    public static string Time(DateTimeOffset time) => TrainingDocuments.Time(time);

    private void Beat(Dictionary<string, object?> line)
    {
        lock (_lock)
        {
            Write(line);
            _heartbeatCount++;
        }
    }

    private void Write(Dictionary<string, object?> line)
    {
        lock (_lock)
        {
            output.Write(CanonicalJson.Serialize(line) + "\n");
            output.Flush();
        }
    }
}
