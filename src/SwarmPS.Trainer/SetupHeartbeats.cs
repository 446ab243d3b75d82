namespace SwarmPS.Trainer;

/// <summary>
/// Heartbeats while a train job sets up (docs/trainer-contract.md, "Progress lines"): one at once when the
/// job has been read, so at least one always precedes step 0, then one every half interval from a timer
/// while the base, the shard and h are read and computed, until disposed just before the step-0 heartbeat.
/// Without them a coordinator watching the beats would call a trainer stale during a slow setup (a loaded CI
/// machine took 22 s). Only progress lines change: the timer never touches the model, so the adapter's bytes
/// are the same with or without it.
/// </summary>
internal sealed class SetupHeartbeats : IDisposable
{
    // Held while a beat is written and while the beats stop: once Dispose returns no setup beat can follow,
    // so none lands after step 0 or after an error line.
    private readonly object _gate = new();
    private readonly ProgressLines _progress;
    private readonly Timer _timer;
    private bool _stopped;

    private SetupHeartbeats(ProgressLines progress, TimeSpan interval)
    {
        _progress = progress;
        progress.SetupHeartbeat();

        // Half the interval, the training loop's margin: a late timer tick still keeps the gap under the interval.
        // At least 1 ms: a period of 0 would mean "fire once" to System.Threading.Timer.
        var period = TimeSpan.FromMilliseconds(Math.Max(1, Math.Floor(interval.TotalMilliseconds / 2)));
        _timer = new Timer(_ => Beat(), null, period, period);
    }

    public static SetupHeartbeats Start(ProgressLines progress, TimeSpan interval) => new(progress, interval);

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
        }

        _timer.Dispose();
    }

    private void Beat()
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _progress.SetupHeartbeat();
            }
        }
    }
}
