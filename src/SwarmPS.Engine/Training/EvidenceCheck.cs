namespace SwarmPS.Engine.Training;

/// <summary>One invariant of an evidence bundle checked over one subject (a file, a verdict, a publication) and what it found.</summary>
public sealed record EvidenceCheck(string Name, bool Passed, string Detail);
