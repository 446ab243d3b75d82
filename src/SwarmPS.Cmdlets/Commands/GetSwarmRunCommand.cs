using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmRun: runs in this machine's store, by id or filtered by status and experiment.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmRun", DefaultParameterSetName = "List")]
[OutputType(typeof(LedgerRun))]
public sealed class GetSwarmRunCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Id", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string[] Id { get; set; } = [];

    [Parameter(ParameterSetName = "List")]
    [ArgumentCompleter(typeof(RunStatusCompleter))]
    public string? Status { get; set; }

    [Parameter(ParameterSetName = "List")]
    public string? Experiment { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        using var store = RunStore.Open(ResolveRepository().Root);
        if (ParameterSetName == "Id")
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
