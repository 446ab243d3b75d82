using System.Collections;
using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The session a completion was asked from. Completers get no session state, and the runspace's
/// SessionStateProxy refuses calls while a pipeline runs (as TabExpansion2 is). But PowerShell calls
/// completers on that pipeline's thread, so a script block invoked here runs in the asking session and
/// can hand back its $ExecutionContext: its location (Set-Location does not move the process directory)
/// and its variables.
/// </summary>
internal static class CompletionSession
{
    private static EngineIntrinsics? Session()
    {
        try
        {
            return ScriptBlock.Create("$ExecutionContext").Invoke().FirstOrDefault()?.BaseObject as EngineIntrinsics;
        }
        catch (RuntimeException)
        {
            return null;
        }
    }

    /// <summary>The PowerShell location of the asking session, or the process directory when there is none.</summary>
    public static string Current() =>
        Session()?.SessionState.Path.CurrentFileSystemLocation.ProviderPath ?? Directory.GetCurrentDirectory();

    /// <summary>The value of a variable of the asking session ("c", "script:c"), unwrapped; null when unset.</summary>
    public static object? Variable(string name) => Unwrap(Session()?.SessionState.PSVariable.GetValue(name));

    /// <summary>A path typed on the command line (a string already bound), resolved like the cmdlet would.</summary>
    public static string? Resolve(IDictionary fakeBoundParameters, string parameterName)
    {
        var text = Unwrap(fakeBoundParameters[parameterName]) as string;
        return string.IsNullOrWhiteSpace(text) ? null : Path.GetFullPath(text, Current());
    }

    /// <summary>The object behind a value the parameter binder wrapped.</summary>
    public static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}
