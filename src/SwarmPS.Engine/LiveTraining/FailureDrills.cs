namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// The failure drills of a live training run (docs/training-live.md "Failure drills"): their names, and what a
/// contributor does differently when a drill is planted in it. StaleWorker and ContributorLoss need nothing
/// of the contributor: the drill pauses or kills its process from outside, as a real failure would.
/// </summary>
public static class FailureDrills
{
    public const string StaleWorker = "StaleWorker";
    public const string UploadDisagreement = "UploadDisagreement";
    public const string ContributorLoss = "ContributorLoss";
    public const string UnevenSpeed = "UnevenSpeed";

    public static readonly IReadOnlyList<string> All = new[] { StaleWorker, UploadDisagreement, ContributorLoss, UnevenSpeed };

    /// <summary>Flips one bit of the adapter's last data byte: the file stays valid safetensors, its digest changes.</summary>
    public static void CorruptAdapter(string adapterPath)
    {
        using var stream = new FileStream(adapterPath, FileMode.Open, FileAccess.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        var last = stream.ReadByte();
        stream.Seek(-1, SeekOrigin.End);
        stream.WriteByte((byte)(last ^ 0x01));
    }

    /// <summary>Waits <paramref name="delay"/>, heartbeating every <paramref name="interval"/>: slow, not stale.</summary>
    public static async Task DelayWithHeartbeatsAsync(TimeSpan delay, TimeSpan interval, Func<Task> heartbeat, CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + delay;
        while (DateTimeOffset.UtcNow < until)
        {
            await heartbeat().ConfigureAwait(false);
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }
}
