using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Set-SwarmRunLink: links a run to experiments and/or its tracker record; a terminal run is re-promoted.</summary>
[Cmdlet(VerbsCommon.Set, "SwarmRunLink", SupportsShouldProcess = true)]
[OutputType(typeof(LedgerRun))]
public sealed class SetSwarmRunLinkCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(LedgerRunIdCompleter))]
    public string Id { get; set; } = "";

    [Parameter(Position = 1)]
    public string[] Experiment { get; set; } = [];

    [Parameter]
    public string? TrackerBackend { get; set; }

    [Parameter]
    public string? TrackerRunId { get; set; }

    [Parameter]
    public string? TrackerUrl { get; set; }

    [Parameter]
    public string? TrackerProject { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var link = RunLink.Create(
            Id,
            Experiment,
            TrackerBackend is null ? null : new TrackerPointer(TrackerBackend, TrackerRunId, TrackerUrl, TrackerProject));
        if (!ShouldProcess(Id, "Link run"))
        {
            return;
        }

        RunForItem(() =>
        {
            using var store = RunStore.Open(ResolveRepository().Root);
            var changes = link.ApplyTo(store, Id);
            foreach (var failed in changes.Where(c => c.PromotionFailed))
            {
                WriteWarning($"Run {Id} was linked, but its ledger entry was not rewritten: {failed.Promotion!.Error}");
            }

            WriteObject(changes[^1].Run);
        });
    });
}
