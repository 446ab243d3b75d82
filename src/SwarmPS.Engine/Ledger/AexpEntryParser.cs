using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Reads one aexp 0.6 ledger file, "the aexp 0.6 entry as SwarmPS reads it" (docs/ledger.md, "Migrating from
/// aexp 0.6"): a JSON object with <c>schema_version</c> 1, <c>job_id</c> (32 lowercase hex, the file's name),
/// <c>statepoint</c> (an object) and <c>status</c> (a SwarmPS status word), and optionally <c>created_at</c>,
/// <c>started_at</c>, <c>ended_at</c>, <c>wall_seconds</c>, <c>machine</c>, <c>experiments</c>, <c>code</c>
/// and <c>tracker</c>. Only these are read (an allow-list: any other field is ignored and never copied), and
/// each is checked to be what a SwarmPS entry may hold. Anything else is an <c>AexpEntryInvalid</c> finding,
/// never an exception: aexp files come from colleagues' machines and one bad file must not stop a migration.
/// </summary>
public static partial class AexpEntryParser
{
    public const string InvalidCode = "AexpEntryInvalid";

    /// <summary>The aexp entry schema this SwarmPS reads (aexp 0.6).</summary>
    public const int SchemaVersion = 1;

    private const string Fix = "Fix or remove the file in .aexp/ledger/ (aexp's own copy on the machine that ran it may be intact); the other entries are read as usual.";

    public static (AexpEntry? Entry, LedgerFinding? Problem) Parse(ReadOnlySpan<byte> bytes, string fileName)
    {
        var file = AexpLedger.RelativeDirectory + "/" + fileName;
        var expectedId = fileName.EndsWith(".json", StringComparison.Ordinal) ? fileName[..^5] : fileName;
        if (!LedgerRunId.IsValid(expectedId))
        {
            return (null, Invalid(file, null, $"The aexp ledger file name '{fileName}' is not '<job id>.json' (32 lowercase hex). {Fix}"));
        }

        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry is JSON but not an object. {Fix}"));
            }

            if (DuplicateKey(root) is { } duplicate)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry holds the field '{duplicate}' twice, so what it says is ambiguous. {Fix}"));
            }

            if (!root.TryGetProperty("schema_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var schema))
            {
                return (null, Invalid(file, expectedId, $"The aexp entry has no numeric schema_version. SwarmPS reads aexp 0.6 entries, schema_version {SchemaVersion}. {Fix}"));
            }

            if (schema != SchemaVersion)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry has schema_version {schema}; SwarmPS reads aexp 0.6 entries, schema_version {SchemaVersion}. Convert it with the aexp version that wrote it, or ask for SwarmPS to read that version."));
            }

            if (!root.TryGetProperty("job_id", out var jobId) || jobId.ValueKind != JsonValueKind.String || jobId.GetString() != expectedId)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry's job_id is missing or does not match its file name. {Fix}"));
            }

            if (!root.TryGetProperty("statepoint", out var statepoint) || statepoint.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry has no statepoint object. {Fix}"));
            }

            var statusText = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            // The exact words, as aexp writes them: a file that needs case folding was not written by aexp.
            if (!RunStatusNames.TryParse(statusText, out var status) || status.ToName() != statusText)
            {
                return (null, Invalid(file, expectedId, $"The aexp entry's status is missing or not a run status (one of {string.Join(", ", RunStatusNames.All)}). {Fix}"));
            }

            var machine = OptionalString(root, "machine", file, expectedId);
            if (machine is not null && !Regex.IsMatch(machine, MachineLabel.Pattern, RegexOptions.CultureInvariant))
            {
                return (null, Invalid(file, expectedId, $"The aexp entry's machine is not a machine label (1 to 63 letters, digits, '.', '_' or '-'). {Fix}"));
            }

            var entry = new AexpEntry
            {
                Id = expectedId,
                Statepoint = CanonicalJson.Serialize(statepoint),
                Status = status,
                Machine = machine ?? "",
                CreatedAt = Time(root, "created_at", file, expectedId),
                StartedAt = Time(root, "started_at", file, expectedId),
                EndedAt = Time(root, "ended_at", file, expectedId),
                WallSeconds = WallSeconds(root, file, expectedId),
                Experiments = Experiments(root, file, expectedId),
                File = file,
            };
            return (ReadCode(ReadTracker(entry, root, file), root, file), null);
        }
        catch (FieldException error)
        {
            return (null, error.Finding);
        }
        catch (JsonException error)
        {
            return (null, Invalid(file, expectedId, $"The aexp ledger file is not valid JSON ({error.Message}). {Fix}"));
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts text that is not valid UTF-8 (or a lone \uD800 escape) and only GetString refuses it.
            return (null, Invalid(file, expectedId, $"The aexp ledger file holds text that is not valid UTF-8. {Fix}"));
        }
        catch (SwarmException error) when (error.ErrorId == "StatepointInvalid")
        {
            return (null, Invalid(file, expectedId, $"The aexp entry's statepoint has no canonical JSON form: {error.Message} {Fix}"));
        }
    }

    /// <summary>A file that exists but could not be read, or was refused unread (a link, a FIFO or device, over 1 MiB).</summary>
    internal static LedgerFinding Unreadable(string fileName, Exception error)
    {
        var id = fileName.EndsWith(".json", StringComparison.Ordinal) && LedgerRunId.IsValid(fileName[..^5]) ? fileName[..^5] : null;
        var message = error is FileRefusedException
            ? $"The aexp ledger file was not read: {error.Message} {Fix}"
            : $"Could not read the aexp ledger file: {error.Message}";
        return new(InvalidCode, FindingSeverity.Error, AexpLedger.RelativeDirectory + "/" + fileName, 0, id, message);
    }

    private static AexpEntry ReadTracker(AexpEntry entry, JsonElement root, string file)
    {
        if (!root.TryGetProperty("tracker", out var tracker) || tracker.ValueKind == JsonValueKind.Null)
        {
            return entry;
        }

        if (tracker.ValueKind != JsonValueKind.Object)
        {
            throw Field(file, entry.Id, "tracker is not an object of backend, run_id, url and project");
        }

        var backend = OptionalString(tracker, "backend", file, entry.Id);
        if (string.IsNullOrEmpty(backend))
        {
            throw Field(file, entry.Id, "tracker has no backend");
        }

        return entry with
        {
            Tracker = new TrackerPointer(backend, OptionalString(tracker, "run_id", file, entry.Id), OptionalString(tracker, "url", file, entry.Id), OptionalString(tracker, "project", file, entry.Id)),
        };
    }

    private static AexpEntry ReadCode(AexpEntry entry, JsonElement root, string file)
    {
        if (!root.TryGetProperty("code", out var code) || code.ValueKind == JsonValueKind.Null)
        {
            return entry;
        }

        if (code.ValueKind != JsonValueKind.Object)
        {
            throw Field(file, entry.Id, "code is not an object of commit and dirty");
        }

        var commit = OptionalString(code, "commit", file, entry.Id);
        if (commit is not null && !CommitShape().IsMatch(commit))
        {
            throw Field(file, entry.Id, "code.commit is not a git commit (7 to 64 lowercase hex)");
        }

        bool? dirty = code.TryGetProperty("dirty", out var d) ? d.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw Field(file, entry.Id, "code.dirty is not true, false or null"),
        } : null;
        return entry with { CodeCommit = commit, CodeDirty = dirty };
    }

    private static IReadOnlyList<string> Experiments(JsonElement root, string file, string id)
    {
        if (!root.TryGetProperty("experiments", out var experiments) || experiments.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (experiments.ValueKind != JsonValueKind.Array)
        {
            throw Field(file, id, "experiments is not a list of names");
        }

        var names = new List<string>();
        foreach (var item in experiments.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !ExperimentName.IsValid(item.GetString()))
            {
                throw Field(file, id, "experiments holds something that is not an experiment name (1 to 128 letters, digits, '.', '_', '-' or '/')");
            }

            names.Add(item.GetString()!);
        }

        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    private static double? WallSeconds(JsonElement root, string file, string id)
    {
        if (!root.TryGetProperty("wall_seconds", out var wall) || wall.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return wall.ValueKind == JsonValueKind.Number && wall.GetDouble() is var seconds && double.IsFinite(seconds) && seconds >= 0
            ? seconds
            : throw Field(file, id, "wall_seconds is not a finite number of seconds of at least 0");
    }

    private static DateTimeOffset? Time(JsonElement root, string name, string file, string id)
    {
        var text = OptionalString(root, name, file, id);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw Field(file, id, $"{name} is not an ISO-8601 time");
    }

    private static string? OptionalString(JsonElement parent, string name, string file, string id)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Field(file, id, $"{name} is not a string");
    }

    private static string? DuplicateKey(JsonElement root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return root.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !seen.Add(name));
    }

    private static LedgerFinding Invalid(string file, string? id, string message) =>
        new(InvalidCode, FindingSeverity.Error, file, 0, id, message);

    private static FieldException Field(string file, string id, string problem) =>
        new(Invalid(file, id, $"The aexp entry's {problem}. {Fix}"));

    [GeneratedRegex("^[0-9a-f]{7,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitShape();

    /// <summary>One field that is not what the aexp entry may hold; caught in <see cref="Parse"/> and returned as its finding.</summary>
    private sealed class FieldException(LedgerFinding finding) : Exception(finding.Message)
    {
        public LedgerFinding Finding { get; } = finding;
    }
}
