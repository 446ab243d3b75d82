namespace SwarmPS.Engine.Training;

/// <summary>One file of an evidence bundle as its index lists it: path relative to the bundle, size, <c>sha256:&lt;hex&gt;</c>.</summary>
public sealed record EvidenceFile(string Path, long Bytes, string Sha256);
