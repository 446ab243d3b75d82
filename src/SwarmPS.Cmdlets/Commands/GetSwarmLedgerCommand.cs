using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmLedger: entries of the committed ledger, from every machine.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmLedger")]
[OutputType(typeof(LedgerEntry))]
public sealed class GetSwarmLedgerCommand : RepositoryCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string[] Id { get; set; } = [];

    [Parameter]
    [ArgumentCompleter(typeof(RunStatusCompleter))]
    public string[] Status { get; set; } = [];

    [Parameter]
    public string[] Machine { get; set; } = [];

    [Parameter]
    public DateTime? Since { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var query = new LedgerQuery
        {
            Ids = Id,
            Statuses = Status.Select(RunStatusNames.Parse).ToList(),
            Machines = Machine,
            Since = Since is { } since ? new DateTimeOffset(since.ToUniversalTime(), TimeSpan.Zero) : null,
        };
        var result = LedgerReader.Read(ResolveRepository(), query);
        foreach (var problem in result.Problems)
        {
            WriteWarning(LedgerWarning.Text(problem));
        }

        foreach (var missing in result.NotFound)
        {
            WriteError(ToErrorRecord(missing));
        }

        WriteObject(result.Entries, enumerateCollection: true);
    });
}
