using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Events;

namespace SwarmPS.Cmdlets;

/// <summary>Tab completion of the event kinds SwarmPS writes (docs/launch.md), in the order a launch writes them.</summary>
public sealed class EventKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Matching(EventKinds.Documented, wordToComplete, keepOrder: true);
}
