using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Publish-SwarmLedgerEntry: writes one terminal run's ledger entry now.</summary>
[Cmdlet(VerbsData.Publish, "SwarmLedgerEntry", SupportsShouldProcess = true)]
[OutputType(typeof(PromotionOutcome))]
public sealed class PublishSwarmLedgerEntryCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string[] Id { get; set; } = [];

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Write ledger entry"))
            {
                continue;
            }

            RunForItem(() =>
            {
                using var store = RunStore.Open(ResolveRepository().Root);
                WriteObject(store.Publish(id).EnsurePromoted());
            });
        }
    });
}
