using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Set-SwarmRunStatus: moves a run to a status; a terminal one promotes it to the ledger.</summary>
[Cmdlet(VerbsCommon.Set, "SwarmRunStatus", SupportsShouldProcess = true)]
[OutputType(typeof(LedgerRun))]
public sealed class SetSwarmRunStatusCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string Id { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(RunStatusCompleter))]
    public string Status { get; set; } = "";

    protected override void ProcessRecord() => Run(() =>
    {
        if (!ShouldProcess(Id, $"Set status to {Status}"))
        {
            return;
        }

        RunForItem(() =>
        {
            var status = RunStatusNames.Parse(Status);
            using var store = RunStore.Open(ResolveRepository().Root);
            var change = store.SetStatus(Id, status);
            if (change.PromotionFailed)
            {
                WriteWarning($"Run {Id} is {status.ToName()}, but its ledger entry was not written: {change.Promotion!.Error}");
            }

            WriteObject(change.Run);
        });
    });
}
