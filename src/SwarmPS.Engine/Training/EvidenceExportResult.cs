namespace SwarmPS.Engine.Training;

/// <summary>
/// What Export-SwarmEvidence wrote: the bundle's directory, the run and its plan's digest, how many files
/// the index lists and their bytes, and every problem met on the way (a published snapshot missing or not
/// matching its receipt). A bundle with problems was written so the evidence is not lost, but it is not a
/// good one: Test-SwarmEvidence fails it for the same reasons.
/// </summary>
public sealed record EvidenceExportResult(string Path, string RunId, string? PlanDigest, int Files, long Bytes, IReadOnlyList<string> Problems);
