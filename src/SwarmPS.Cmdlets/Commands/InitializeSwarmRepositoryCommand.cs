using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Initialize-SwarmRepository: prepares .swarm/, the machine label, the .gitignore block and the run id scheme.</summary>
[Cmdlet(VerbsData.Initialize, "SwarmRepository", SupportsShouldProcess = true)]
[OutputType(typeof(RepositoryInitialization))]
public sealed class InitializeSwarmRepositoryCommand : SwarmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Repository")]
    public string? Path { get; set; }

    [Parameter]
    public string? MachineLabel { get; set; }

    /// <summary>How run ids are derived, recorded once in the committed .swarm/config.json.</summary>
    // A string, not the engine's RunIdScheme: PowerShell lays out this exported class while it scans the
    // assembly, before OnImport hooks the engine resolver, and an engine value type here breaks import.
    [Parameter]
    [ValidateSet("Swarm", "Signac", IgnoreCase = true)]
    public string? IdScheme { get; set; }

    /// <summary>Changes a recorded scheme: the runs already recorded keep their ids.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var root = Path is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(root, "Initialize SwarmPS repository"))
        {
            return;
        }

        Run(() =>
        {
            var result = RepositoryInitializer.Initialize(root, MachineLabel, IdScheme is null ? null : Enum.Parse<RunIdScheme>(IdScheme, ignoreCase: true), Force);
            foreach (var warning in result.Warnings)
            {
                WriteWarning(LedgerWarning.Text(warning));
            }

            WriteObject(result);
        });
    });
}
