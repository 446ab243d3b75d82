using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmEvidence: re-checks an evidence bundle's digests and invariants and reports every check; needs no repository.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmEvidence")]
[OutputType(typeof(EvidenceReport))]
public sealed class TestSwarmEvidenceCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = string.Empty;

    protected override void ProcessRecord() => RunForItem(() =>
    {
        var bundle = GetUnresolvedProviderPathFromPSPath(Path);
        WriteObject(Await(_ => Task.Run(() => EvidenceVerifier.Verify(bundle), StopToken)));
    });
}
