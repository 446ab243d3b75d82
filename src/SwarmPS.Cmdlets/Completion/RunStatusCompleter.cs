using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>Completes run status words; the engine, not ValidateSet, refuses bad ones so the error id is ours.</summary>
internal sealed class RunStatusCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        RunStatusNames.All
            .Where(s => s.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s));
}
