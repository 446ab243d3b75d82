using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Records each step of a training run (a contribution arriving, its validation, an aggregation, a
/// publication) as one run in the experiment repository's run store, set running and then complete or
/// failed, so the store promotes it to a sanitized ledger entry a finding can cite. Statepoint:
/// <c>{"training": "&lt;step&gt;", "run_id": …, "subject": …, "facts": {…}}</c> (docs/ledger.md, "Training
/// runs"); its hash is the ledger run id, so the same step with the same facts is the same run. Like the
/// scheduler's <see cref="Scheduler.LedgerRunRecorder"/>, the ledger is a by-product: without an initialised
/// repository, or when the store is busy or broken, the step itself is unaffected and the notes say why.
/// </summary>
public static class TrainingLedger
{
    /// <summary>The step's statepoint; facts are digests, names and counts, never a token or a path outside the repository.</summary>
    public static Dictionary<string, object?> Statepoint(TrainingStep step, string runId, string subject, IReadOnlyDictionary<string, string> facts) => new(StringComparer.Ordinal)
    {
        ["training"] = step.ToString().ToLowerInvariant(),
        ["run_id"] = runId,
        ["subject"] = subject,
        ["facts"] = facts.ToDictionary(fact => fact.Key, fact => (object?)fact.Value, StringComparer.Ordinal),
    };

    public static TrainingLedgerResult Record(string workingDirectoryOrRepositoryRoot, TrainingStep step, string runId, string subject, IReadOnlyDictionary<string, string> facts, bool succeeded)
    {
        var what = $"The training {step.ToString().ToLowerInvariant()} of {subject} (run {runId})";
        SwarmRepository repository;
        try
        {
            repository = SwarmRepository.Locate(workingDirectoryOrRepositoryRoot);
        }
        catch (SwarmException error) when (error.ErrorId is "RepositoryNotFound" or "PathNotFound")
        {
            return Note($"{what} is not recorded in a ledger: no experiment repository (.git or .swarm/) holds '{workingDirectoryOrRepositoryRoot}'. Run the coordinator from inside the experiment's git repository to get one ledger run per step.");
        }

        // A bare .swarm/ (job or training records only) is not a repository set up for the ledger.
        if (!Directory.Exists(repository.LedgerDirectory) && !File.Exists(repository.MachineFilePath) && !File.Exists(repository.RunStorePath))
        {
            return Note($"{what} is not recorded in a ledger: '{repository.Root}' is not initialised for SwarmPS. Run Initialize-SwarmRepository there once to record one run per step.");
        }

        try
        {
            using var store = RunStore.Open(repository.Root);
            var run = store.CreateRun(Statepoint(step, runId, subject, facts));
            if (run.IsTerminal)
            {
                // The same step with the same facts was recorded before: it is that run, already final.
                return new TrainingLedgerResult(run.Id, Array.Empty<string>());
            }

            // Created this instant: its code version is the one to stamp at its start too.
            store.SetStatus(run.Id, RunStatus.Running, new CodeVersion(run.CodeCommit, run.CodeDirty));
            var change = store.SetStatus(run.Id, succeeded ? RunStatus.Complete : RunStatus.Failed);
            return change.PromotionFailed
                ? new TrainingLedgerResult(run.Id, new[] { $"{what} is recorded as run {run.Id} but its ledger entry could not be written ({change.Promotion!.Error}). Run Sync-SwarmLedger to write it." })
                : new TrainingLedgerResult(run.Id, Array.Empty<string>());
        }
        catch (Exception error) when (error is SwarmException or SqliteException or IOException)
        {
            // The ledger must never fail the training step it records.
            var remediation = error is SwarmException swarm ? " " + swarm.Remediation : "";
            return Note($"{what} is not recorded in a ledger: the run store could not be updated ({error.Message}).{remediation}");
        }
    }

    private static TrainingLedgerResult Note(string note) => new(null, new[] { note });
}
