using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmLedger: checks every committed ledger entry for unreadable files and unsanitized values.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmLedger")]
[OutputType(typeof(LedgerFinding))]
[OutputType(typeof(bool))]
public sealed class TestSwarmLedgerCommand : RepositoryCmdlet
{
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var findings = LedgerValidator.Validate(ResolveRepository());
        if (Quiet)
        {
            WriteObject(findings.All(f => f.Severity != FindingSeverity.Error));
            return;
        }

        WriteObject(findings, enumerateCollection: true);
    });
}
