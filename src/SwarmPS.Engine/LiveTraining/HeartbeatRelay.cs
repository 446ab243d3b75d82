using System.Threading.Channels;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// Passes a trainer's heartbeat lines on to the coordinator in the order they were printed, one send at a
/// time, off the thread that reads the trainer's output (a slow exchange must never stall the trainer's
/// pipe). Only the newest waiting heartbeat matters, so at most a few wait: older ones are dropped when the
/// exchange falls behind, which keeps the coordinator's view current rather than complete.
/// </summary>
public sealed class HeartbeatRelay
{
    private readonly Channel<TrainerProgress> _pending = Channel.CreateBounded<TrainerProgress>(
        new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly Task _sender;
    private int _count;

    public HeartbeatRelay(Func<TrainerProgress, Task> send) => _sender = SendAllAsync(send);

    /// <summary>The heartbeat lines the trainer printed.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Hands over one progress line; only heartbeats are relayed.</summary>
    public void Post(TrainerProgress progress)
    {
        if (progress.Event == "heartbeat")
        {
            Interlocked.Increment(ref _count);
            _pending.Writer.TryWrite(progress);
        }
    }

    /// <summary>Waits until what was handed over has been sent (or given up on).</summary>
    public Task DrainAsync()
    {
        _pending.Writer.TryComplete();
        return _sender;
    }

    private async Task SendAllAsync(Func<TrainerProgress, Task> send)
    {
        await foreach (var progress in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await send(progress).ConfigureAwait(false);
            }
            catch (Exception error) when (error is SwarmException or OperationCanceledException)
            {
                // A heartbeat that cannot go out is a gap the coordinator sees; the next one may.
            }
        }
    }
}
