using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Sync-SwarmLedger: promotes every terminal run whose entry is missing (or all, with -Overwrite).</summary>
[Cmdlet(VerbsData.Sync, "SwarmLedger", SupportsShouldProcess = true)]
[OutputType(typeof(LedgerSyncResult))]
public sealed class SyncSwarmLedgerCommand : RepositoryCmdlet
{
    private const int ActivityId = 6001;

    [Parameter]
    public SwitchParameter Overwrite { get; set; }

    // Inside Run, like every cmdlet's work: outside a repository, or in one not initialised, the engine's
    // error reaches the operator with its own id and remediation.
    protected override void EndProcessing() => Run(() =>
    {
        var repository = ResolveRepository();
        if (!ShouldProcess(repository.LedgerDirectory, Overwrite ? "Rewrite every terminal run's ledger entry" : "Write missing ledger entries"))
        {
            return;
        }

        var result = Await(writer => Task.Run(() =>
        {
            using var store = RunStore.Open(repository.Root);
            return store.Sync(Overwrite, writer.Progress<(int Done, int Total)>(p => WriteProgress(
                new ProgressRecord(ActivityId, "Sync-SwarmLedger", $"{p.Done} of {p.Total} terminal runs")
                {
                    PercentComplete = p.Total == 0 ? 100 : p.Done * 100 / p.Total,
                })), StopToken);
        }, StopToken));
        WriteProgress(new ProgressRecord(ActivityId, "Sync-SwarmLedger", "Done") { RecordType = ProgressRecordType.Completed });
        foreach (var failure in result.Failures)
        {
            WriteWarning($"Run {failure.RunId}: {failure.Error}");
        }

        WriteObject(result);
    });
}
