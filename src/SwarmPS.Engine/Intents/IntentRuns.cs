using System.Text.Json;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// The ledger's finished runs of each campaign. An intent's runs are in the ledger of the experiment
/// repository that holds the intent file (found by walking up from it, as the ledger cmdlets do). A
/// finished run is a <c>complete</c> entry with <c>wall_seconds</c>; it belongs to a campaign when its
/// statepoint is a scheduler run's (<c>command</c>, <c>parameters</c>, optionally <c>attempt</c>), its
/// parameters are one of the campaign's tasks and its command is the intent's (both compared as
/// <see cref="LedgerComparable"/> says; an intent without a command matches on parameters alone). When
/// several campaigns match (the same sweep run twice), the run goes to the latest one saved before the run
/// was created, or, if all were saved after it, the earliest: each run is counted once.
/// </summary>
public static class IntentRuns
{
    public static IntentRunsResult Find(IReadOnlyList<CampaignIntent> intents)
    {
        var runs = intents.Select(_ => new List<LedgerEntry>()).ToArray();
        var notes = new List<string>();
        var byRepository = intents
            .Select((intent, index) => (Repository: RepositoryOf(intent), Index: index))
            .Where(x => x.Repository is not null)
            .GroupBy(x => x.Repository!.Root, StringComparer.Ordinal);
        foreach (var group in byRepository)
        {
            var repository = group.First().Repository!;
            var members = group.Select(x => x.Index).ToList();
            LedgerReadResult read;
            try
            {
                read = LedgerReader.Read(repository, new LedgerQuery { Statuses = [RunStatus.Complete] });
            }
            catch (Exception error) when (error is SwarmException or IOException or UnauthorizedAccessException)
            {
                // One unreadable ledger leaves its campaigns without walltimes; it does not end the query.
                notes.Add($"The ledger of '{repository.Root}' could not be read ({error.Message}); its campaigns' runs were left out.");
                continue;
            }

            if (read.Problems.Count > 0)
            {
                notes.Add($"{read.Problems.Count} ledger file(s) in '{repository.Root}' could not be read and were left out (Test-SwarmLedger names them).");
            }

            foreach (var entry in read.Entries.Where(e => e.WallSeconds is not null))
            {
                if (SchedulerStatepoint.TryParse(entry.Statepoint) is not { } statepoint)
                {
                    continue;
                }

                var owners = members.Where(i => Belongs(intents[i], statepoint)).ToList();
                if (owners.Count > 0)
                {
                    runs[Owner(intents, owners, entry)].Add(entry);
                }
            }
        }

        return new IntentRunsResult(runs.Select(r => (IReadOnlyList<LedgerEntry>)r.OrderBy(e => e.Id, StringComparer.Ordinal).ToList()).ToList(), notes);
    }

    private static bool Belongs(CampaignIntent intent, SchedulerStatepoint statepoint) =>
        (intent.Command.Count == 0 || LedgerComparable.SameCommand(intent.Command, statepoint.Command))
        && intent.Generator.Contains(statepoint.Parameters);

    private static int Owner(IReadOnlyList<CampaignIntent> intents, List<int> owners, LedgerEntry entry)
    {
        var created = entry.CreatedAt ?? entry.StartedAt;
        var before = created is null ? [] : owners.Where(i => intents[i].Provenance.CreatedUtc <= created).ToList();
        return before.Count > 0
            ? before.MaxBy(i => intents[i].Provenance.CreatedUtc)
            : owners.MinBy(i => intents[i].Provenance.CreatedUtc);
    }

    private static SwarmRepository? RepositoryOf(CampaignIntent intent)
    {
        if (intent.Path is null)
        {
            return null;
        }

        try
        {
            var repository = SwarmRepository.Locate(System.IO.Path.GetDirectoryName(intent.Path)!);
            return Directory.Exists(repository.LedgerDirectory) ? repository : null;
        }
        catch (SwarmException error) when (error.ErrorId is "RepositoryNotFound" or "PathNotFound")
        {
            return null;
        }
    }

    /// <summary>A scheduler run's statepoint (docs/ledger.md, "Scheduler runs"); anything else is not a campaign's task.</summary>
    private sealed record SchedulerStatepoint(IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Parameters)
    {
        public static SchedulerStatepoint? TryParse(string text)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || root.EnumerateObject().Any(p => p.Name is not ("command" or "parameters" or "attempt"))
                    || !root.TryGetProperty("command", out var command) || command.ValueKind != JsonValueKind.Array
                    || !root.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object
                    || command.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String)
                    || parameters.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                {
                    return null;
                }

                return new SchedulerStatepoint(
                    command.EnumerateArray().Select(a => a.GetString()!).ToList(),
                    parameters.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal));
            }
            catch (Exception error) when (error is JsonException or ArgumentException)
            {
                return null;
            }
        }
    }
}
