using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmCitation: checks findings' run and batch citations against the ledger and the local store.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmCitation")]
[OutputType(typeof(LedgerFinding))]
[OutputType(typeof(bool))]
public sealed class TestSwarmCitationCommand : RepositoryCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string? Path { get; set; }

    // A string, not the engine's StrictRuns enum: PowerShell lays out this exported class while it scans
    // the assembly, before OnImport hooks the engine resolver, and an engine value type here breaks import.
    [Parameter]
    [ValidateSet("Error", "Warn", "Off", IgnoreCase = true)]
    public string StrictRuns { get; set; } = "Error";

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var target = Path is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : ResolvePath(Path);
        var repository = Repository is null ? Engine.Ledger.SwarmRepository.Locate(target) : ResolveRepository();
        var findings = CitationValidator.Validate(repository, target, Enum.Parse<StrictRuns>(StrictRuns, ignoreCase: true), StopToken);
        if (Quiet)
        {
            WriteObject(findings.All(f => f.Severity != FindingSeverity.Error));
            return;
        }

        WriteObject(findings, enumerateCollection: true);
    });
}
