namespace SwarmPS.Engine.Intents;

/// <summary>
/// Who wrote an intent, where and with what: the user and host, the time (UTC), the SwarmPS version, and the
/// git commit of the repository the intent was saved in (null outside git, as for a run's code version).
/// </summary>
public sealed record IntentProvenance(string User, string Host, DateTimeOffset CreatedUtc, string SwarmPSVersion, string? GitCommit, bool? GitDirty);
