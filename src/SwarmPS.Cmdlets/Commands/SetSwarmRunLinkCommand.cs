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

    protected override void ProcessRecord()
    {
        if (Experiment.Length == 0 && TrackerBackend is null)
        {
            ThrowTerminatingError(ToErrorRecord(new Engine.SwarmException(
                "RunLinkMissing",
                "Set-SwarmRunLink was given nothing to link.",
                "Pass -Experiment <name> and/or -TrackerBackend <backend> with its -TrackerRunId, -TrackerUrl, -TrackerProject.",
                Engine.SwarmErrorCategory.InvalidArgument,
                Id)));
        }

        if (!ShouldProcess(Id, "Link run"))
        {
            return;
        }

        RunForItem(() =>
        {
            using var store = RunStore.Open(ResolveRepository().Root);
            var changes = new List<RunChange>();
            if (Experiment.Length > 0)
            {
                changes.Add(store.LinkExperiments(Id, Experiment));
            }

            if (TrackerBackend is not null)
            {
                changes.Add(store.SetTracker(Id, new TrackerPointer(TrackerBackend, TrackerRunId, TrackerUrl, TrackerProject)));
            }

            foreach (var failed in changes.Where(c => c.PromotionFailed))
            {
                WriteWarning($"Run {Id} was linked, but its ledger entry was not rewritten: {failed.Promotion!.Error}");
            }

            WriteObject(changes[^1].Run);
        });
    }
}
