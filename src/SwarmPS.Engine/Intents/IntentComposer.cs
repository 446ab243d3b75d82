using System.Reflection;
using System.Text.Json;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// Makes a campaign's intent from its task set and what the user says about it, as it will be saved in
/// <paramref name="directory"/>: the generator in the task set's own form, provenance (user, host, now,
/// SwarmPS version, the git commit there), and the command scrubbed exactly as the ledger scrubs a
/// statepoint (repository root <c>.</c>, home <c>~</c>, secrets <c>&lt;redacted&gt;</c>), so the file
/// holds nothing the committed ledger would not.
/// </summary>
public static class IntentComposer
{
    public static CampaignIntent Compose(TaskSet tasks, IntentRequest request, string directory, DateTimeOffset? now = null)
    {
        IntentName.Validate(request.Name);
        if (string.IsNullOrWhiteSpace(request.Goal))
        {
            throw new SwarmException(
                "IntentGoalMissing",
                "The campaign's goal is empty.",
                "Say in one sentence what the campaign is for: -Goal 'find the learning rate where loss stops improving'.",
                SwarmErrorCategory.InvalidArgument,
                request.Name);
        }

        var generatorName = string.IsNullOrWhiteSpace(request.Generator) ? IntentRequest.DefaultGenerator : request.Generator.Trim();
        var code = CodeVersion.Read(directory);
        return new CampaignIntent
        {
            Name = request.Name,
            Goal = request.Goal.Trim(),
            TaskKind = string.IsNullOrWhiteSpace(request.TaskKind) ? null : request.TaskKind.Trim(),
            TaskCount = tasks.Count,
            TaskSetFingerprint = tasks.Fingerprint,
            Generator = IntentGenerator.From(tasks, generatorName),
            Command = ScrubCommand(request.Command, directory),
            Budget = request.Budget.Select(IntentBudget.Parse).ToList(),
            AbortWhen = request.AbortWhen.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList(),
            Site = string.IsNullOrWhiteSpace(request.Site) ? null : request.Site.Trim(),
            Notes = string.IsNullOrWhiteSpace(request.Notes) ? null : request.Notes,
            Provenance = new IntentProvenance(
                Environment.UserName,
                Environment.MachineName,
                (now ?? DateTimeOffset.UtcNow).ToUniversalTime(),
                SwarmPSVersion(),
                code.Commit,
                code.Dirty),
        };
    }

    /// <summary>The engine's version as built (0.1.0+&lt;commit&gt;).</summary>
    public static string SwarmPSVersion() =>
        typeof(IntentComposer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(IntentComposer).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static IReadOnlyList<string> ScrubCommand(IReadOnlyList<string> command, string directory)
    {
        if (command.Count == 0)
        {
            return [];
        }

        SwarmRepository? repository = null;
        try
        {
            repository = SwarmRepository.Locate(directory);
        }
        catch (SwarmException error) when (error.ErrorId is "RepositoryNotFound" or "PathNotFound")
        {
            // Outside a repository the intent's own directory stands in for the root.
        }

        var rule = repository is null ? RedactionRule.Default : RedactionRule.ForRepository(repository);
        var scrubber = new StatepointScrubber(repository?.Root ?? directory, rule);
        var element = JsonSerializer.SerializeToElement(command);
        var scrubbed = (List<object?>)scrubber.Scrub(element, key: "command", "command")!;
        return scrubbed.Select(item => (string)item!).ToList();
    }
}
