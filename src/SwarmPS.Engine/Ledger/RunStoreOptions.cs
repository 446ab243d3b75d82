namespace SwarmPS.Engine.Ledger;

/// <summary>Knobs for embedding the store (the scheduler, benchmarks, tests); the defaults suit cmdlets.</summary>
public sealed record RunStoreOptions
{
    public static RunStoreOptions Default { get; } = new();

    /// <summary>Record the git commit and dirty flag when a run is created and when it starts running.</summary>
    public bool CaptureCodeVersion { get; init; } = true;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How long a writer waits for another process's lock before giving up.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
