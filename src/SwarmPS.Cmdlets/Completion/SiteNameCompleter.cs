using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Tab completion of site names from the catalog, matching the typed prefix.</summary>
public sealed class SiteNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Matching(SiteCatalog.Default.Names, wordToComplete);
}
