namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What Import-SwarmSignacProject did. A second import of an unchanged project imports nothing and skips
/// every job; every job not imported and every status not understood is one of <see cref="Findings"/>.
/// </summary>
/// <param name="ProjectPath">The signac project's root directory.</param>
/// <param name="Imported">New runs recorded in this machine's store.</param>
/// <param name="Updated">Runs already imported (live) moved to the job document's status.</param>
/// <param name="Skipped">Jobs already imported at the document's status: nothing was written for them.</param>
/// <param name="Conflicts">Jobs whose run is already terminal with another status than the document's: left as they are (a finding each).</param>
/// <param name="Mismatched">Job directories whose name is not their state point's signac id.</param>
/// <param name="Invalid">Workspace entries that are no readable job.</param>
/// <param name="Promoted">Terminal runs whose ledger entry this import wrote.</param>
/// <param name="Findings">Every problem, with a stable code and the file relative to the project.</param>
public sealed record SignacImportResult(
    string ProjectPath,
    int Imported,
    int Updated,
    int Skipped,
    int Conflicts,
    int Mismatched,
    int Invalid,
    int Promoted,
    IReadOnlyList<LedgerFinding> Findings);
