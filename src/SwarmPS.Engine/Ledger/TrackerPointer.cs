namespace SwarmPS.Engine.Ledger;

/// <summary>Where an experiment tracker (MLflow, W&amp;B, Aim...) keeps this run: enough to find it, nothing to log in with.</summary>
public sealed record TrackerPointer(string Backend, string? RunId, string? Url, string? Project);
