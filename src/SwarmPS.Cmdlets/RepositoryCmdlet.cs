using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the ledger cmdlets: each works on the experiment repository found by walking up from the
/// current directory (like git), or the one named by -Repository.
/// </summary>
public abstract class RepositoryCmdlet : SwarmCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("RepositoryRoot")]
    public string? Repository { get; set; }

    /// <summary>The repository to work on; relative -Repository paths resolve against the PowerShell location.</summary>
    protected SwarmRepository ResolveRepository() =>
        SwarmRepository.Locate(Repository is null
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Repository));

    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);
}
