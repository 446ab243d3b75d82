using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>Tab completion of the job ids recorded in the repository (or directory) Get-SwarmJob would read, -Repository included.</summary>
public sealed class JobIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // -Repository when typed (the job cmdlets take it, JobCmdlet), else the PowerShell location.
        var here = CompletionSession.Resolve(fakeBoundParameters, "Repository") ?? CompletionSession.Current();
        var store = JobRecordStore.ForRepository(LedgerRunRecorder.FindRepositoryRoot(here) ?? here);
        if (!Directory.Exists(store.Directory))
        {
            return [];
        }

        // Names only (a record is <key>.json, JobRecordStore.PathOf): one unreadable record must not take
        // completion of the others with it, and nothing needs parsing to offer a key.
        var keys = Directory.EnumerateFiles(store.Directory, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>();
        return CompletionText.Matching(keys, wordToComplete);
    }
}
