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
    protected SwarmRepository ResolveRepository() => Locate(this, Repository);

    /// <summary>The repository named by <paramref name="repository"/>, or the one above the PowerShell location; for a cmdlet that takes -Repository in one parameter set only.</summary>
    internal static SwarmRepository Locate(PSCmdlet cmdlet, string? repository) =>
        SwarmRepository.Locate(repository is null
            ? cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : cmdlet.GetUnresolvedProviderPathFromPSPath(repository));

    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);
}
