using System.Globalization;
using System.Text.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Reads one ledger file. A file that is not JSON, has a <c>schema_version</c> this SwarmPS does not know,
/// or whose id does not match its name is a <see cref="LedgerFinding"/> (<c>LedgerEntryInvalid</c>), never
/// an exception: a bad file pushed by one machine must not break every other machine's commands.
/// </summary>
public static class LedgerEntryParser
{
    public const string InvalidCode = "LedgerEntryInvalid";

    public static (LedgerEntry? Entry, LedgerFinding? Problem) Parse(ReadOnlySpan<byte> bytes, string fileName)
    {
        var file = ".swarm/ledger/" + fileName;
        var expectedId = fileName.EndsWith(".json", StringComparison.Ordinal) ? fileName[..^5] : fileName;
        if (!LedgerRunId.IsValid(expectedId))
        {
            return (null, Invalid(file, null, $"The ledger file name '{fileName}' is not '<32 lowercase hex>.json'. Move it out of .swarm/ledger/ (only Publish-SwarmLedgerEntry and Sync-SwarmLedger write there)."));
        }

        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid(file, expectedId, "The ledger file is JSON but not an object. Restore it from git (git checkout -- " + file + ") or re-promote the run with Publish-SwarmLedgerEntry on the machine that ran it."));
            }

            if (!root.TryGetProperty("schema_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var schema))
            {
                return (null, Invalid(file, expectedId, "The ledger file has no numeric schema_version. Restore it from git or re-promote the run with Publish-SwarmLedgerEntry on the machine that ran it."));
            }

            if (schema != LedgerProjection.SchemaVersion)
            {
                return (null, Invalid(file, expectedId, $"The ledger file has schema_version {schema}; this SwarmPS reads version {LedgerProjection.SchemaVersion}. Update SwarmPS on this machine to read entries written by a newer one."));
            }

            var id = String(root, "id");
            if (id != expectedId)
            {
                return (null, Invalid(file, expectedId, $"The entry's id '{id}' does not match its file name. Restore the file from git or re-promote the run with Publish-SwarmLedgerEntry."));
            }

            var statusText = String(root, "status");
            if (!RunStatusNames.TryParse(statusText, out var status) || !status.IsTerminal())
            {
                return (null, Invalid(file, expectedId, $"The entry's status '{statusText}' is not a terminal run status ({string.Join(", ", RunStatusNames.Terminal.Select(RunStatusNames.ToName))}). Re-promote the run with Publish-SwarmLedgerEntry."));
            }

            var code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
            var tracker = root.TryGetProperty("tracker", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
            var entry = new LedgerEntry
            {
                Id = id,
                SchemaVersion = schema,
                Status = status,
                Machine = String(root, "machine") ?? "",
                Statepoint = root.TryGetProperty("statepoint", out var sp) ? CanonicalJson.Serialize(sp) : "{}",
                CreatedAt = Time(root, "created_at"),
                StartedAt = Time(root, "started_at"),
                EndedAt = Time(root, "ended_at"),
                WallSeconds = root.TryGetProperty("wall_seconds", out var wall) && wall.ValueKind == JsonValueKind.Number ? wall.GetDouble() : null,
                CodeCommit = code.ValueKind == JsonValueKind.Object ? String(code, "commit") : null,
                CodeDirty = code.ValueKind == JsonValueKind.Object && code.TryGetProperty("dirty", out var dirty) && dirty.ValueKind is JsonValueKind.True or JsonValueKind.False ? dirty.GetBoolean() : null,
                Experiments = root.TryGetProperty("experiments", out var experiments) && experiments.ValueKind == JsonValueKind.Array
                    ? experiments.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
                    : [],
                Tracker = tracker.ValueKind == JsonValueKind.Object && String(tracker, "backend") is { } backend
                    ? new TrackerPointer(backend, String(tracker, "run_id"), String(tracker, "url"), String(tracker, "project"))
                    : null,
                PromotedAt = Time(root, "promoted_at"),
                File = file,
            };
            return (entry, null);
        }
        catch (JsonException error)
        {
            return (null, Invalid(file, expectedId, $"The ledger file is not valid JSON ({error.Message}). Restore it from git (git checkout -- {file}) or re-promote the run with Publish-SwarmLedgerEntry on the machine that ran it."));
        }
        catch (FormatException)
        {
            return (null, Invalid(file, expectedId, "The ledger file holds a time that is not RFC 3339. Restore it from git or re-promote the run with Publish-SwarmLedgerEntry."));
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts text that is not valid UTF-8 (or a lone \uD800 escape) and only GetString refuses it.
            return (null, Invalid(file, expectedId, "The ledger file holds text that is not valid UTF-8. Restore it from git (git checkout -- " + file + ") or re-promote the run with Publish-SwarmLedgerEntry on the machine that ran it."));
        }
        catch (SwarmException error) when (error.ErrorId == "StatepointInvalid")
        {
            return (null, Invalid(file, expectedId, $"The entry's statepoint is not canonical JSON: {error.Message} Restore the file from git or re-promote the run with Publish-SwarmLedgerEntry."));
        }
    }

    /// <summary>
    /// A ledger file that exists but could not be read (permissions, I/O error) or was refused unread
    /// (a link, a FIFO or device, or over the size limit: <see cref="FileRefusedException"/>).
    /// </summary>
    internal static LedgerFinding Unreadable(string fileName, Exception error)
    {
        var id = fileName.EndsWith(".json", StringComparison.Ordinal) && LedgerRunId.IsValid(fileName[..^5]) ? fileName[..^5] : null;
        var message = error is FileRefusedException
            ? $"The ledger file was not read: {error.Message} (git checkout -- .swarm/ledger/{fileName} restores a committed entry.)"
            : $"Could not read the ledger file: {error.Message}";
        return new(InvalidCode, FindingSeverity.Error, ".swarm/ledger/" + fileName, 0, id, message);
    }

    private static LedgerFinding Invalid(string file, string? id, string message) =>
        new(InvalidCode, FindingSeverity.Error, file, 0, id, message);

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Time(JsonElement parent, string name) =>
        String(parent, name) is { } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;
}
