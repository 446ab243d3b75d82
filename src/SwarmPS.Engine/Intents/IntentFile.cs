using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// The intent file, <c>&lt;name&gt;.intent.json</c> (docs/intents.md): canonical JSON (sorted keys, 2-space
/// indent, LF), written atomically, 0644 (it holds nothing private: the command is scrubbed as the ledger
/// scrubs statepoints) and never over an existing intent unless forced. Files are read as hostile: at most
/// <see cref="MaxBytes"/>, regular files only (no links), strict JSON (no comments, trailing commas or
/// duplicate keys), known keys only, and the generator must rebuild the recorded task count and fingerprint.
/// </summary>
public static class IntentFile
{
    public const string Suffix = ".intent.json";

    /// <summary>4 MiB: an explicit task list of tens of thousands of rows fits; nothing a campaign needs is bigger.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>rw-r--r--: shared like the ledger, writable only by its owner.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly string[] TopKeys =
    [
        "abort_when", "budget", "command", "generator", "goal", "name", "notes", "provenance", "schema_version",
        "site", "task_count", "task_kind", "task_set_fingerprint",
    ];

    private static readonly JsonDocumentOptions Strict = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    /// <summary>The file an intent named <paramref name="name"/> has in <paramref name="directory"/>.</summary>
    public static string PathIn(string directory, string name) => System.IO.Path.Combine(directory, IntentName.Validate(name) + Suffix);

    /// <summary>The file's text: what <see cref="Write"/> writes, and what tests compare.</summary>
    public static string Render(CampaignIntent intent)
    {
        var generator = intent.Generator;
        var document = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["schema_version"] = intent.SchemaVersion,
            ["name"] = intent.Name,
            ["goal"] = intent.Goal,
            ["task_kind"] = intent.TaskKind,
            ["task_count"] = intent.TaskCount,
            ["task_set_fingerprint"] = intent.TaskSetFingerprint,
            ["generator"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["name"] = generator.Name,
                ["columns"] = generator.Columns,
                ["rows"] = generator.Rows,
                ["axes"] = generator.Axes.Select(a => new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["name"] = a.Name, ["values"] = a.Values }).ToList(),
            },
            ["command"] = intent.Command,
            ["budget"] = intent.Budget.Select(b => new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["amount"] = b.Amount, ["unit"] = b.Unit }).ToList(),
            ["abort_when"] = intent.AbortWhen,
            ["site"] = intent.Site,
            ["notes"] = intent.Notes,
            ["provenance"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["user"] = intent.Provenance.User,
                ["host"] = intent.Provenance.Host,
                ["created_utc"] = LedgerProjection.Timestamp(intent.Provenance.CreatedUtc),
                ["swarmps_version"] = intent.Provenance.SwarmPSVersion,
                ["git_commit"] = intent.Provenance.GitCommit,
                ["git_dirty"] = intent.Provenance.GitDirty,
            },
        };
        return CanonicalJson.SerializeIndented(document);
    }

    /// <summary>Writes the intent to <paramref name="path"/> (temp + rename); an existing file is <c>IntentExists</c> unless <paramref name="force"/>.</summary>
    public static CampaignIntent Write(string path, CampaignIntent intent, bool force)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!force && (File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null))
        {
            throw new SwarmException(
                "IntentExists",
                $"An intent is already saved at '{full}'; it was not overwritten.",
                "Give the campaign another -Name, or add -Force to replace the saved intent.",
                SwarmErrorCategory.ResourceExists,
                full);
        }

        var text = Render(intent);
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            throw new SwarmException(
                "IntentTooLarge",
                $"The intent of '{intent.Name}' would be {Encoding.UTF8.GetByteCount(text):N0} bytes, over the {MaxBytes / (1024 * 1024)} MiB an intent file may hold (its task list is recorded in full).",
                "Generate the tasks from axes (-Axis, -Linspace, -Seeds) rather than a long explicit list, or split the campaign.",
                SwarmErrorCategory.InvalidArgument,
                intent.Name);
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        AtomicFile.WriteAllText(full, text, FileMode, durable: true);
        return intent with { Path = full };
    }

    /// <summary>Reads one intent file; any problem is <c>IntentInvalid</c> (or <c>IntentSchemaUnsupported</c>) naming the file.</summary>
    public static CampaignIntent Read(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        byte[]? bytes;
        try
        {
            bytes = BoundedFileRead.ReadAllBytes(full, MaxBytes, followLinks: false);
        }
        catch (IOException error)
        {
            throw Invalid(full, error.Message);
        }
        catch (UnauthorizedAccessException error)
        {
            throw Invalid(full, $"it cannot be read: {error.Message}");
        }

        if (bytes is null)
        {
            throw new SwarmException(
                "IntentNotFound",
                $"No intent file is at '{full}'.",
                "Check the path; Find-SwarmIntent -Root <dir> lists the saved intents.",
                SwarmErrorCategory.ObjectNotFound,
                full);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), Strict);
        }
        catch (Exception error) when (error is JsonException or DecoderFallbackException)
        {
            throw Invalid(full, $"it is not strict JSON in UTF-8 ({error.Message}).");
        }

        using (document)
        {
            try
            {
                return Parse(document.RootElement, full);
            }
            catch (IntentShapeException shape)
            {
                throw Invalid(full, shape.Message);
            }
        }
    }

    private static CampaignIntent Parse(JsonElement root, string path)
    {
        var top = new JsonFields(root, "the file");
        var version = top.Int("schema_version");
        if (version != CampaignIntent.CurrentSchemaVersion)
        {
            throw new SwarmException(
                "IntentSchemaUnsupported",
                $"The intent '{path}' has schema_version {version}; this SwarmPS reads schema_version {CampaignIntent.CurrentSchemaVersion} only.",
                "Read it with the SwarmPS version that wrote it (its provenance names it), or save the intent again with this one.",
                SwarmErrorCategory.InvalidData,
                path);
        }

        top.OnlyKnown(TopKeys);
        var generatorFields = new JsonFields(top.Required("generator"), "generator");
        generatorFields.OnlyKnown(["axes", "columns", "name", "rows"]);
        var axes = generatorFields.List("axes", (item, where) =>
        {
            var axis = new JsonFields(item, where);
            axis.OnlyKnown(["name", "values"]);
            return new IntentAxis(axis.String("name"), axis.Strings("values"));
        });
        var generator = new IntentGenerator(
            generatorFields.String("name"),
            generatorFields.Strings("columns"),
            generatorFields.List("rows", (item, where) => (IReadOnlyList<string>)JsonFields.StringItems(item, where)),
            axes);
        if (generator.Rows.Any(row => row.Count != generator.Columns.Count))
        {
            throw new IntentShapeException($"generator.rows: every row must have one value per column ({generator.Columns.Count}).");
        }

        var provenanceFields = new JsonFields(top.Required("provenance"), "provenance");
        provenanceFields.OnlyKnown(["created_utc", "git_commit", "git_dirty", "host", "swarmps_version", "user"]);
        var created = provenanceFields.String("created_utc");
        if (!created.EndsWith('Z') || !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var createdUtc))
        {
            throw new IntentShapeException($"provenance.created_utc '{created}' is not a UTC time such as 2026-12-02T06:00:00.000Z.");
        }

        var intent = new CampaignIntent
        {
            SchemaVersion = version,
            Name = top.String("name"),
            Goal = top.String("goal"),
            TaskKind = top.OptionalString("task_kind"),
            TaskCount = top.Long("task_count"),
            TaskSetFingerprint = top.String("task_set_fingerprint"),
            Generator = generator,
            Command = top.Strings("command"),
            Budget = top.List("budget", (item, where) =>
            {
                var budget = new JsonFields(item, where);
                budget.OnlyKnown(["amount", "unit"]);
                return Shape(() => IntentBudget.Of(budget.Double("amount"), budget.String("unit")));
            }),
            AbortWhen = top.Strings("abort_when"),
            Site = top.OptionalString("site"),
            Notes = top.OptionalString("notes"),
            Provenance = new IntentProvenance(
                provenanceFields.String("user"),
                provenanceFields.String("host"),
                createdUtc,
                provenanceFields.String("swarmps_version"),
                provenanceFields.OptionalString("git_commit"),
                provenanceFields.OptionalBool("git_dirty")),
            Path = path,
        };

        Shape(() => IntentName.Validate(intent.Name));
        if (intent.Goal.Trim().Length == 0)
        {
            throw new IntentShapeException("goal is empty.");
        }

        // The generator is the campaign's task set: it must rebuild what the intent says it is.
        var tasks = Shape(generator.ToTaskSet);
        if (tasks.Count != intent.TaskCount || tasks.Fingerprint != intent.TaskSetFingerprint)
        {
            throw new IntentShapeException(
                $"the generator makes {tasks.Count} tasks with fingerprint {tasks.Fingerprint[..12]}…, but the file records {intent.TaskCount} tasks with fingerprint {(intent.TaskSetFingerprint.Length > 12 ? intent.TaskSetFingerprint[..12] + "…" : intent.TaskSetFingerprint)} (edited by hand?).");
        }

        return intent;
    }

    /// <summary>An engine refusal of a value read from the file (a bad name, budget or axis) becomes a shape problem of the file.</summary>
    private static T Shape<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SwarmException error)
        {
            throw new IntentShapeException($"{error.Message}");
        }
    }

    private static SwarmException Invalid(string path, string problem) => new(
        "IntentInvalid",
        $"The intent file '{path}' is refused: {problem}",
        "Save the intent again with Save-SwarmIntent -Force, or remove the file; intent files are written by SwarmPS, not by hand.",
        SwarmErrorCategory.InvalidData,
        path);
}
