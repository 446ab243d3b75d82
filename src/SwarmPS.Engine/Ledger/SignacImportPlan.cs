namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What Import-SwarmSignacProject would do, decided before anything is written so -WhatIf can show all of
/// it: the runs to create or move (<see cref="Changes"/>), and the counts and findings of the rest.
/// </summary>
/// <param name="ProjectPath">The signac project's root directory, absolute.</param>
/// <param name="RepositoryRoot">The experiment repository the runs go to.</param>
/// <param name="Changes">The runs to create (<see cref="SignacPlannedRun.Current"/> null) or to move to the document's status.</param>
/// <param name="Skipped">Jobs already imported at the document's status: nothing to do.</param>
/// <param name="Conflicts">Jobs whose run is already terminal with another status: left as they are (a finding each).</param>
/// <param name="Mismatched">Job directories whose name is not their state point's signac id (a finding each).</param>
/// <param name="Invalid">Workspace entries that are no readable job (a finding each).</param>
/// <param name="Findings">Every finding, in workspace order.</param>
public sealed record SignacImportPlan(
    string ProjectPath,
    string RepositoryRoot,
    IReadOnlyList<SignacPlannedRun> Changes,
    int Skipped,
    int Conflicts,
    int Mismatched,
    int Invalid,
    IReadOnlyList<LedgerFinding> Findings)
{
    /// <summary>New runs to record.</summary>
    public int Imports => Changes.Count(c => c.Current is null);

    /// <summary>Runs already here, live, that move to the document's status.</summary>
    public int Updates => Changes.Count(c => c.Current is not null);

    /// <summary>Runs that end terminal and so are promoted to <c>.swarm/ledger/</c>.</summary>
    public int Promotions => Changes.Count(c => c.Job.Status.IsTerminal());

    /// <summary>One line for -WhatIf and -Confirm: every count, so nothing is a surprise.</summary>
    public string Summary =>
        $"Import {Imports} signac job(s) and move {Updates} already imported, of which {Promotions} terminal would be promoted to .swarm/ledger/; "
        + $"skip {Skipped} already imported and unchanged, {Conflicts} in conflict; mismatched {Mismatched}, invalid {Invalid}";
}

/// <summary>One run an import creates or moves: the job, and the run's status here now (null when it has no run yet).</summary>
public sealed record SignacPlannedRun(SignacJob Job, RunStatus? Current);
