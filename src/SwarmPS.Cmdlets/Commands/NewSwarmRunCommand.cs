using System.Collections;
using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>New-SwarmRun: records a run for a statepoint in this machine's store (idempotent).</summary>
[Cmdlet(VerbsCommon.New, "SwarmRun", SupportsShouldProcess = true)]
[OutputType(typeof(LedgerRun))]
public sealed class NewSwarmRunCommand : RepositoryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public IDictionary Statepoint { get; set; } = new Hashtable();

    [Parameter]
    public string[] Experiment { get; set; } = [];

    protected override void ProcessRecord() => Run(() =>
    {
        var canonical = "";
        RunForItem(() => canonical = LedgerRunId.CanonicalStatepoint(PowerShellValues.ToPlain(Statepoint)));
        if (canonical.Length == 0 || !ShouldProcess(canonical, "Create run"))
        {
            return;
        }

        RunForItem(() =>
        {
            using var store = RunStore.Open(ResolveRepository().Root);
            var run = store.CreateRun(PowerShellValues.ToPlain(Statepoint));
            if (Experiment.Length > 0)
            {
                run = store.LinkExperiments(run.Id, Experiment).Run;
            }

            WriteObject(run);
        });
    });
}
