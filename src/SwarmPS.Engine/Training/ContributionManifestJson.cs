using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A contribution manifest as bytes: canonical JSON (Python's <c>json.dumps(sort_keys=True, indent=2)</c>
/// plus a newline, the ledger's form), so the digest of a manifest is the same wherever it is written.
/// Reading treats the bytes as hostile (they arrive from another site through the exchange): at most
/// <see cref="MaxBytes"/>, one JSON object, every field present, of its type and shape, no unknown or
/// repeated field; any other text is <c>ContributionManifestInvalid</c> naming the source and the field.
/// </summary>
public static partial class ContributionManifestJson
{
    public const int MaxBytes = 1024 * 1024;

    private static readonly string[] Fields =
    {
        "schema_version", "run_id", "contributor", "site", "backend", "base_snapshot_digest", "adapter_contract", "data_shard",
        "example_count", "steps", "seed", "loss_before", "loss_after", "started_at", "ended_at", "heartbeat_count", "adapter_digest",
    };

    private static readonly string[] ContractFields = { "target_modules", "rank", "alpha", "dtype" };

    public static byte[] Serialize(ContributionManifest manifest) =>
        Encoding.UTF8.GetBytes(CanonicalJson.SerializeIndented(new Dictionary<string, object?>
        {
            ["schema_version"] = manifest.SchemaVersion,
            ["run_id"] = manifest.RunId,
            ["contributor"] = manifest.Contributor,
            ["site"] = manifest.Site,
            ["backend"] = manifest.Backend,
            ["base_snapshot_digest"] = manifest.BaseSnapshotDigest,
            ["adapter_contract"] = new Dictionary<string, object?>
            {
                ["target_modules"] = manifest.Contract.TargetModules.ToArray(),
                ["rank"] = manifest.Contract.Rank,
                ["alpha"] = manifest.Contract.Alpha,
                ["dtype"] = manifest.Contract.DType,
            },
            ["data_shard"] = manifest.DataShard,
            ["example_count"] = manifest.ExampleCount,
            ["steps"] = manifest.Steps,
            ["seed"] = manifest.Seed,
            ["loss_before"] = manifest.LossBefore,
            ["loss_after"] = manifest.LossAfter,
            ["started_at"] = Time(manifest.StartedAt),
            ["ended_at"] = Time(manifest.EndedAt),
            ["heartbeat_count"] = manifest.HeartbeatCount,
            ["adapter_digest"] = manifest.AdapterDigest,
        }));

    /// <summary><c>sha256:&lt;hex&gt;</c> of the canonical bytes: what receipts and verdicts cite.</summary>
    public static string Digest(ContributionManifest manifest) => DigestOf(Serialize(manifest));

    public static string DigestOf(ReadOnlySpan<byte> bytes) => BlobDigest.From(SHA256.HashData(bytes)).ToString();

    /// <summary>Checks a value that names content as the exchange's blobs are named: <c>sha256:</c> and 64 lowercase hex digits.</summary>
    public static bool IsDigest(string? text) => BlobDigest.TryParse(text, out _);

    public static ContributionManifest Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length > MaxBytes)
        {
            throw Invalid(source, null, $"it is {bytes.Length} bytes, more than a manifest's {MaxBytes / 1024} KiB");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException error)
        {
            throw Invalid(source, null, $"it is not JSON ({error.Message})");
        }

        using (document)
        {
            var root = Object(document.RootElement, source, null);
            Known(root, Fields, source, null);
            var version = Int(root, "schema_version", source, 1, int.MaxValue);
            if (version != ContributionManifest.CurrentSchemaVersion)
            {
                throw Invalid(source, "schema_version", $"it is {version}; this SwarmPS reads version {ContributionManifest.CurrentSchemaVersion}");
            }

            var contract = Object(root["adapter_contract"], source, "adapter_contract");
            Known(contract, ContractFields, source, "adapter_contract.");
            var modules = contract["target_modules"].ValueKind == JsonValueKind.Array
                ? contract["target_modules"].EnumerateArray().Select(m => StringOf(m, source, "adapter_contract.target_modules")).ToList()
                : throw Invalid(source, "adapter_contract.target_modules", "it is not a list");
            if (modules.Count == 0 || modules.Any(m => m.Length == 0 || m.Length > 256) || modules.Distinct(StringComparer.Ordinal).Count() != modules.Count)
            {
                throw Invalid(source, "adapter_contract.target_modules", "it must list one or more distinct, non-empty module names");
            }

            var dtype = Text(contract, "dtype", source, "adapter_contract.");
            if (!AdapterContract.DTypes.Contains(dtype, StringComparer.Ordinal))
            {
                throw Invalid(source, "adapter_contract.dtype", $"'{dtype}' is not one of {string.Join(", ", AdapterContract.DTypes)}");
            }

            var manifest = new ContributionManifest
            {
                SchemaVersion = version,
                RunId = Checked(Text(root, "run_id", source), CampaignRunId.IsValid, source, "run_id", "a run id (letters, digits, '.', '_', '-')"),
                Contributor = Checked(Text(root, "contributor", source), NameShape().IsMatch, source, "contributor", "a name of letters, digits, '.', '_', '-' (at most 128)"),
                Site = Checked(Text(root, "site", source), NameShape().IsMatch, source, "site", "a site name"),
                Backend = Checked(Text(root, "backend", source), BackendShape().IsMatch, source, "backend", "a backend label such as dotnet.cpu or pytorch.cpu"),
                BaseSnapshotDigest = Checked(Text(root, "base_snapshot_digest", source), IsDigest, source, "base_snapshot_digest", "sha256: and 64 lowercase hex digits"),
                Contract = new AdapterContract
                {
                    TargetModules = modules,
                    Rank = Int(contract, "rank", source, 1, 65536, "adapter_contract."),
                    Alpha = Number(contract, "alpha", source, positive: true, "adapter_contract."),
                    DType = dtype,
                },
                DataShard = Checked(Text(root, "data_shard", source), s => s.Length is > 0 and <= 256 && !s.Any(char.IsControl), source, "data_shard", "a shard id of 1 to 256 printable characters"),
                ExampleCount = Long(root, "example_count", source, 1),
                Steps = Int(root, "steps", source, 1, int.MaxValue),
                Seed = Long(root, "seed", source, 0),
                LossBefore = Number(root, "loss_before", source, positive: false),
                LossAfter = Number(root, "loss_after", source, positive: false),
                StartedAt = Timestamp(root, "started_at", source),
                EndedAt = Timestamp(root, "ended_at", source),
                HeartbeatCount = Int(root, "heartbeat_count", source, 0, int.MaxValue),
                AdapterDigest = Checked(Text(root, "adapter_digest", source), IsDigest, source, "adapter_digest", "sha256: and 64 lowercase hex digits"),
            };
            return manifest.EndedAt >= manifest.StartedAt
                ? manifest
                : throw Invalid(source, "ended_at", $"it is before started_at ({Time(manifest.StartedAt)})");
        }
    }

    private static string Time(DateTimeOffset time) => TrainingDocuments.Time(time);

    private static Dictionary<string, JsonElement> Object(JsonElement element, string source, string? field) =>
        StrictJsonObject.Properties(element, field, (path, problem) => Invalid(source, path, problem));

    private static void Known(Dictionary<string, JsonElement> properties, string[] fields, string source, string? prefix)
    {
        if (properties.Keys.FirstOrDefault(name => !fields.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw Invalid(source, prefix + unknown, "it is not a field of a contribution manifest (a typo, or a newer SwarmPS wrote it)");
        }

        if (fields.FirstOrDefault(name => !properties.ContainsKey(name)) is { } missing)
        {
            throw Invalid(source, prefix + missing, "it is missing");
        }
    }

    private static string Text(Dictionary<string, JsonElement> properties, string name, string source, string? prefix = null) =>
        StringOf(properties[name], source, prefix + name);

    private static string StringOf(JsonElement element, string source, string field)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw Invalid(source, field, "it is not a string");
        }

        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts a lone surrogate escape (\uD800); only GetString refuses it.
            throw Invalid(source, field, "it is not valid Unicode text");
        }
    }

    private static int Int(Dictionary<string, JsonElement> properties, string name, string source, int minimum, int maximum, string? prefix = null) =>
        properties[name].ValueKind == JsonValueKind.Number && properties[name].TryGetInt32(out var value) && value >= minimum && value <= maximum
            ? value
            : throw Invalid(source, prefix + name, $"it is not a whole number from {minimum} to {maximum}");

    private static long Long(Dictionary<string, JsonElement> properties, string name, string source, long minimum) =>
        properties[name].ValueKind == JsonValueKind.Number && properties[name].TryGetInt64(out var value) && value >= minimum
            ? value
            : throw Invalid(source, name, $"it is not a whole number of at least {minimum}");

    private static double Number(Dictionary<string, JsonElement> properties, string name, string source, bool positive, string? prefix = null) =>
        properties[name].ValueKind == JsonValueKind.Number && properties[name].TryGetDouble(out var value) && double.IsFinite(value) && (positive ? value > 0 : value >= 0)
            ? value
            : throw Invalid(source, prefix + name, positive ? "it is not a finite number above 0" : "it is not a finite number of at least 0");

    private static DateTimeOffset Timestamp(Dictionary<string, JsonElement> properties, string name, string source) =>
        DateTimeOffset.TryParseExact(Text(properties, name, source), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Invalid(source, name, "it is not a UTC time such as 2026-12-01T09:30:00.000Z");

    private static string Checked(string value, Func<string, bool> valid, string source, string field, string shape) =>
        valid(value) ? value : throw Invalid(source, field, $"'{(value.Length > 80 ? value[..80] + "…" : value)}' is not {shape}");

    private static SwarmException Invalid(string source, string? field, string problem) => new(
        "ContributionManifestInvalid",
        $"The contribution manifest {source} cannot be read: {(field is null ? "" : $"'{field}': ")}{problem}.",
        "Have the contributor write its manifest again (its trainer writes it beside the adapter); a manifest is never edited by hand, as its digest would no longer match what was cited.",
        SwarmErrorCategory.InvalidData,
        source);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NameShape();

    [GeneratedRegex("^[a-z0-9]+(\\.[a-z0-9]+)+$")]
    private static partial Regex BackendShape();
}
