using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using SwarmPS.Engine;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Tab completion of ledger run ids (32 hex characters) in the repository the cmdlet will use: -Repository
/// when it is typed, else the one holding the current location. Get-SwarmLedger completes the committed
/// entries under .swarm/ledger/; the run cmdlets complete this machine's run store, newest first.
/// </summary>
public sealed class LedgerRunIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        SwarmRepository repository;
        try
        {
            repository = SwarmRepository.Locate(CompletionSession.Resolve(fakeBoundParameters, "Repository") ?? CompletionSession.Current());
        }
        catch (SwarmException)
        {
            return [];
        }

        if (string.Equals(commandName, "Get-SwarmLedger", StringComparison.OrdinalIgnoreCase))
        {
            return CompletionText.Matching(LedgerIds(repository), wordToComplete);
        }

        // Completion must not create a run store where there is none (RunStore.Open creates runs.db).
        if (!File.Exists(repository.RunStorePath))
        {
            return [];
        }

        using var store = RunStore.Open(repository.Root);
        return CompletionText.Matching(store.List().Select(run => run.Id), wordToComplete, keepOrder: true);
    }

    private static IEnumerable<string> LedgerIds(SwarmRepository repository) =>
        Directory.Exists(repository.LedgerDirectory)
            ? Directory.EnumerateFiles(repository.LedgerDirectory, "*.json")
                .Select(Path.GetFileNameWithoutExtension)
                .OfType<string>()
                .Where(LedgerRunId.IsValid)
            : [];
}
