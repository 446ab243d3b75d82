using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmRun: runs in this machine's store, by id or filtered by status and experiment.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmRun", DefaultParameterSetName = ListSet)]
[OutputType(typeof(LedgerRun))]
public sealed class GetSwarmRunCommand : RepositoryCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string[] Id { get; set; } = [];

    [Parameter(ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(RunStatusCompleter))]
    public string? Status { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    public string? Experiment { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        using var store = RunStore.Open(ResolveRepository().Root);
        if (ParameterSetName == IdSet)
        {
            foreach (var id in Id)
            {
                RunForItem(() => WriteObject(store.Get(id)));
            }

            return;
        }

        var status = Status is null ? (RunStatus?)null : RunStatusNames.Parse(Status);
        WriteObject(store.List(status, Experiment), enumerateCollection: true);
    });
}
