using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Completes run status words in lifecycle order; the engine, not ValidateSet, refuses bad ones so the
/// error id is ours.
/// </summary>
public sealed class RunStatusCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Matching(RunStatusNames.All, wordToComplete, keepOrder: true);
}
