namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Brings a signac project's jobs into an experiment repository whose ids follow the signac scheme, so each
/// job becomes the run of the same id (its workspace directory's name) and every citation of it stays valid.
/// Two steps: <see cref="Plan"/> reads the workspace and compares it with this machine's store and the
/// ledger without writing anything (-WhatIf shows it), <see cref="Apply"/> writes the plan through the one
/// store: <see cref="RunStore.CreateRun"/>, then <see cref="RunStore.SetStatus"/> to the job document's
/// status, which promotes a terminal run itself. Both are one pass over the jobs, so 10,000 jobs are
/// 10,000 small steps, never a comparison of every job with every run.
/// </summary>
public static class SignacImporter
{
    public const string CommandName = "Import-SwarmSignacProject";

    /// <summary>
    /// What importing <paramref name="projectPath"/> into the repository at <paramref name="repositoryRoot"/>
    /// would do. Refuses up front: <c>RepositoryNotInitialized</c>, <c>IdSchemeMismatch</c> (the repository
    /// gives swarm ids), <c>SignacProjectNotFound</c> (no workspace/). Reads the store read-only: planning
    /// never creates a <c>runs.db</c>.
    /// </summary>
    public static SignacImportPlan Plan(string repositoryRoot, string projectPath, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var repository = SwarmRepository.At(repositoryRoot).EnsureInitialized();
        RepositoryConfig.RequireScheme(repository, RunIdScheme.Signac, CommandName);
        var project = Path.GetFullPath(projectPath);
        var contents = SignacWorkspace.Read(project, progress, cancellationToken);

        Dictionary<string, RunStatus> stored;
        using (var reader = RunStoreReader.Open(repository))
        {
            stored = reader?.Statuses() ?? new Dictionary<string, RunStatus>(StringComparer.Ordinal);
        }

        var inLedger = LedgerDirectoryListing.EntryIds(repository);
        var findings = new List<LedgerFinding>(contents.Findings);
        var changes = new List<SignacPlannedRun>();
        var skipped = 0;
        var conflicts = 0;
        foreach (var job in contents.Jobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunStatus? current = stored.TryGetValue(job.Id, out var status) ? status : null;
            // Promoted on another machine and pulled: the entry is final, and recreating the run here would
            // rewrite it with this machine's times. Only its status is compared.
            var onlyInLedger = current is null && inLedger.Contains(job.Id);
            if (onlyInLedger)
            {
                try
                {
                    current = LedgerReader.ReadOne(repository, job.Id).Status;
                }
                catch (SwarmException error)
                {
                    conflicts++;
                    findings.Add(Conflict(job, $"Job {job.Id} has a ledger entry that cannot be read ({error.Message}); it is left as it is. Restore .swarm/ledger/{job.Id}.json from git, then import again."));
                    continue;
                }
            }

            if (current is null)
            {
                changes.Add(new SignacPlannedRun(job, null));
            }
            else if (current == job.Status)
            {
                skipped++;
            }
            else if (current.Value.IsTerminal() || onlyInLedger)
            {
                conflicts++;
                findings.Add(Conflict(job, ConflictMessage(job, current.Value, onlyInLedger ? "the ledger" : "this machine's store")));
            }
            else
            {
                changes.Add(new SignacPlannedRun(job, current));
            }
        }

        return new SignacImportPlan(project, repository.Root, changes, skipped, conflicts, contents.Mismatched, contents.Invalid, findings);
    }

    /// <summary>
    /// Writes a plan: each new run is created (working directory: its job's workspace directory) and moved to
    /// its document's status; each run already here and live is moved. A terminal status is promoted by
    /// <see cref="RunStore.SetStatus"/>; a failed promotion is a finding, the status stands. A run that became
    /// terminal since the plan is a conflict, never overwritten. Nothing is opened when the plan changes nothing.
    /// </summary>
    /// <param name="plan">From <see cref="Plan"/>.</param>
    /// <param name="options">The store's clock and busy timeout. The code version is never captured: the
    /// repository's commit at import time is not the code the signac job ran, and reading it is two git
    /// processes per run.</param>
    /// <param name="progress">Runs written so far, of the plan's changes.</param>
    /// <param name="cancellationToken">Stops before the next run; those written stay (a new import goes on from there).</param>
    public static SignacImportResult Apply(SignacImportPlan plan, RunStoreOptions? options = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var findings = new List<LedgerFinding>(plan.Findings);
        int imported = 0, updated = 0, promoted = 0, conflicts = plan.Conflicts;
        if (plan.Changes.Count > 0)
        {
            using var store = RunStore.Open(plan.RepositoryRoot, (options ?? RunStoreOptions.Default) with { CaptureCodeVersion = false });
            // The scheme is read again with the store: a config changed since the plan must not give these runs swarm ids.
            RepositoryConfig.RequireScheme(store.Repository, RunIdScheme.Signac, CommandName);
            for (var i = 0; i < plan.Changes.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (job, current) = plan.Changes[i];
                try
                {
                    var run = current is null ? store.CreateRun(job.Statepoint, job.Directory) : store.Get(job.Id);
                    // A new run starts created: a job whose document says created needs no second write.
                    var change = run.Status == job.Status ? null : store.SetStatus(run.Id, job.Status);
                    if (current is null)
                    {
                        imported++;
                    }
                    else
                    {
                        updated++;
                    }

                    if (change?.Promotion is { Promoted: true })
                    {
                        promoted++;
                    }
                    else if (change?.Promotion is { } failed)
                    {
                        findings.Add(new LedgerFinding(SignacFindingCodes.PromotionFailed, FindingSeverity.Error, failed.EntryPath, 0, job.Id,
                            $"Run {job.Id} is {job.Status.ToName()}, but its ledger entry was not written: {failed.Error}"));
                    }
                }
                catch (SwarmException error) when (error.ErrorId == "RunStatusTerminal")
                {
                    // Another process finished the run between the plan and now: a terminal status is final.
                    conflicts++;
                    findings.Add(Conflict(job, $"{error.Message} It became terminal during the import and is left as it is; the job document says {job.Status.ToName()}."));
                }

                if ((i + 1) % 100 == 0 || i + 1 == plan.Changes.Count)
                {
                    progress?.Report((i + 1, plan.Changes.Count));
                }
            }
        }

        return new SignacImportResult(plan.ProjectPath, imported, updated, plan.Skipped, conflicts, plan.Mismatched, plan.Invalid, promoted, findings);
    }

    private static string ConflictMessage(SignacJob job, RunStatus current, string where) =>
        $"Run {job.Id} is {current.ToName()} in {where}, but its job document says {job.Status.ToName()}; "
        + "a terminal status is final, so it is left as it is. If the document is right, the run was recorded wrongly: "
        + "rerun the job under a new state point (e.g. add an 'attempt' parameter).";

    private static LedgerFinding Conflict(SignacJob job, string message) =>
        new(SignacFindingCodes.StatusConflict, FindingSeverity.Warning, $"{job.RelativePath}/{SignacWorkspace.DocumentFileName}", 0, job.Id, message);
}
