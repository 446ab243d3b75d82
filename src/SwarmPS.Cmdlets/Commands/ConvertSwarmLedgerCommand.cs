using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Convert-SwarmLedger -From Aexp: writes each terminal entry of the aexp 0.6 ledger (<c>.aexp/ledger/</c>)
/// as the SwarmPS ledger entry of the same id, sanitized as a promotion is, in a repository of signac ids.
/// </summary>
[Cmdlet(VerbsData.Convert, "SwarmLedger", SupportsShouldProcess = true)]
[OutputType(typeof(AexpConversionResult))]
public sealed class ConvertSwarmLedgerCommand : RepositoryCmdlet
{
    /// <summary>The ledger to convert from. One source today; a string (not an engine enum) for the reason Test-SwarmCitation gives.</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("Aexp", IgnoreCase = true)]
    public string From { get; set; } = "";

    protected override void ProcessRecord() => Run(() =>
    {
        var repository = ResolveRepository();
        var plan = AexpConverter.Plan(repository);
        // -WhatIf shows the counts and writes nothing; the plan itself only read files.
        if (!ShouldProcess(repository.LedgerDirectory, $"Convert-SwarmLedger -From Aexp: {plan}"))
        {
            return;
        }

        var result = AexpConverter.Apply(plan, cancellationToken: StopToken);
        foreach (var finding in result.Findings.Where(f => f.Severity == Engine.FindingSeverity.Error))
        {
            WriteWarning(LedgerWarning.Text(finding));
        }

        if (result.Skipped > 0)
        {
            WriteWarning($"{result.Skipped} aexp runs are still live (created, queued or running) and were skipped; run Convert-SwarmLedger -From Aexp again once aexp records their end. Their findings are in Findings ({AexpConverter.LiveCode}).");
        }

        WriteObject(result);
    });
}
