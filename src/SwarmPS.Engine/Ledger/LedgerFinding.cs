namespace SwarmPS.Engine.Ledger;

/// <summary>
/// One problem found in a repository: a broken citation, a bad ledger file, a .gitignore line that hides
/// the ledger. <see cref="Code"/> is a stable word scripts filter on; <see cref="Message"/> names the
/// problem and the fix; <see cref="File"/> and <see cref="Line"/> (1-based, 0 when not tied to a line)
/// say where to look.
/// </summary>
public sealed record LedgerFinding(
    string Code,
    FindingSeverity Severity,
    string? File,
    int Line,
    string? CitedId,
    string Message)
{
    public override string ToString() =>
        $"{Severity.ToString().ToLowerInvariant()} {Code}: {File}{(Line > 0 ? ":" + Line : "")}: {Message}";
}
