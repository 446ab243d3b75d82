namespace SwarmPS.Engine.Training;

/// <summary>
/// What Test-SwarmEvidence found in a bundle: every check that was run, passed or not, so a reviewer sees
/// what the bundle establishes and not only what failed; <see cref="Problems"/> are the failed details.
/// <see cref="Summary"/> never claims more than the evidence holds: a bundle with no publication says
/// "nothing published", not "published correctly".
/// </summary>
public sealed record EvidenceReport(string Path, string? RunId, IReadOnlyList<EvidenceCheck> Checks, int Published, string Summary)
{
    public bool Passed => Checks.All(check => check.Passed);

    public IReadOnlyList<string> Problems => Checks.Where(check => !check.Passed).Select(check => check.Detail).ToList();
}
