using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// A job file of the trainer contract, read as hostile input (a coordinator on another site may have written
/// it): at most <see cref="MaxBytes"/>, one JSON object, exactly the fields its mode takes (each present once,
/// of its type and shape; only the optional ones may be left out), and this trainer's backend label. Anything
/// else is <c>TrainerJobInvalid</c> naming the field, before any work starts; an adapter contract this
/// version cannot train is <c>AdapterContractUnsupported</c>.
/// </summary>
internal sealed partial record TrainerJob
{
    public const int MaxBytes = 64 * 1024;

    public const string Backend = "dotnet.cpu";

    public const int DefaultHeartbeatIntervalMs = 1000;

    // Required and optional fields per mode (docs/trainer-contract.md, "The job file").
    private static readonly string[] Common = ["schema_version", "mode", "backend", "output_directory"];
    private static readonly string[] TrainRequired =
    [
        "run_id", "contributor", "site", "plan_digest", "base_snapshot_path", "base_snapshot_digest", "adapter_contract",
        "data_shard", "data_path", "steps", "seed", "learning_rate",
    ];

    private static readonly string[] EvaluateRequired = ["base_snapshot_path", "base_snapshot_digest", "adapter_contract", "data_shard", "data_path"];
    private static readonly string[] BaseRequired = ["base_seed"];
    private static readonly string[] ContractFields = ["target_modules", "rank", "alpha", "dtype"];

    public required TrainerMode Mode { get; init; }

    public required string OutputDirectory { get; init; }

    public string RunId { get; init; } = "";

    public string Contributor { get; init; } = "";

    public string Site { get; init; } = "";

    public string PlanDigest { get; init; } = "";

    public string BaseSnapshotPath { get; init; } = "";

    public string BaseSnapshotDigest { get; init; } = "";

    public AdapterContract? Contract { get; init; }

    public string DataShard { get; init; } = "";

    public string DataPath { get; init; } = "";

    public int Steps { get; init; }

    public long Seed { get; init; }

    public double LearningRate { get; init; }

    public int HeartbeatIntervalMs { get; init; } = DefaultHeartbeatIntervalMs;

    public string? AdapterPath { get; init; }

    public long BaseSeed { get; init; }

    public static TrainerJob Read(string path)
    {
        var bytes = BoundedFile.Read(path, MaxBytes, "job file", problem => Invalid(path, null, problem));
        return Parse(bytes, path);
    }

    public static TrainerJob Parse(byte[] bytes, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException error)
        {
            throw Invalid(source, null, $"it is not JSON ({error.Message})");
        }

        using (document)
        {
            var root = Object(document.RootElement, source, null);
            var version = Int(root, "schema_version", source, 1, int.MaxValue);
            if (version != 1)
            {
                throw Invalid(source, "schema_version", $"it is {version}; this trainer reads version 1");
            }

            var modeText = Text(root, "mode", source);
            var mode = modeText switch
            {
                "train" => TrainerMode.Train,
                "evaluate" => TrainerMode.Evaluate,
                "base" => TrainerMode.Base,
                _ => throw Invalid(source, "mode", $"'{Shorten(modeText)}' is not train, evaluate or base"),
            };
            var (required, optional) = mode switch
            {
                TrainerMode.Train => (TrainRequired, new[] { "heartbeat_interval_ms" }),
                TrainerMode.Evaluate => (EvaluateRequired, new[] { "adapter_path" }),
                _ => (BaseRequired, Array.Empty<string>()),
            };
            Known(root, Common.Concat(required).ToArray(), optional, source, null, $"a {modeText} job");

            var backend = Text(root, "backend", source);
            if (backend != Backend)
            {
                throw Invalid(source, "backend", $"it is '{Shorten(backend)}', but this trainer is {Backend} and reports only that label");
            }

            var output = NonEmpty(root, "output_directory", source);
            return mode switch
            {
                TrainerMode.Train => new TrainerJob
                {
                    Mode = mode,
                    OutputDirectory = output,
                    RunId = Checked(Text(root, "run_id", source), CampaignRunId.IsValid, source, "run_id", "a run id (lowercase letters, digits, '.', '_', '-')"),
                    Contributor = Checked(Text(root, "contributor", source), NameShape().IsMatch, source, "contributor", "a name of letters, digits, '.', '_', '-' (at most 128)"),
                    Site = Checked(Text(root, "site", source), NameShape().IsMatch, source, "site", "a site name of letters, digits, '.', '_', '-'"),
                    PlanDigest = Checked(Text(root, "plan_digest", source), ContributionManifestJson.IsDigest, source, "plan_digest", "sha256: and 64 lowercase hex digits"),
                    BaseSnapshotPath = NonEmpty(root, "base_snapshot_path", source),
                    BaseSnapshotDigest = Digest(root, "base_snapshot_digest", source),
                    Contract = ReadContract(root, source),
                    DataShard = Shard(root, source),
                    DataPath = NonEmpty(root, "data_path", source),
                    Steps = Int(root, "steps", source, 1, 10_000_000),
                    Seed = Long(root, "seed", source),
                    LearningRate = Positive(root, "learning_rate", source),
                    HeartbeatIntervalMs = root.ContainsKey("heartbeat_interval_ms")
                        ? Int(root, "heartbeat_interval_ms", source, 1, 3_600_000)
                        : DefaultHeartbeatIntervalMs,
                },
                TrainerMode.Evaluate => new TrainerJob
                {
                    Mode = mode,
                    OutputDirectory = output,
                    BaseSnapshotPath = NonEmpty(root, "base_snapshot_path", source),
                    BaseSnapshotDigest = Digest(root, "base_snapshot_digest", source),
                    Contract = ReadContract(root, source),
                    DataShard = Shard(root, source),
                    DataPath = NonEmpty(root, "data_path", source),
                    AdapterPath = root.ContainsKey("adapter_path") ? NonEmpty(root, "adapter_path", source) : null,
                },
                _ => new TrainerJob
                {
                    Mode = mode,
                    OutputDirectory = output,
                    BaseSeed = Long(root, "base_seed", source),
                },
            };
        }
    }

    private static AdapterContract ReadContract(Dictionary<string, JsonElement> root, string source)
    {
        var contract = Object(root["adapter_contract"], source, "adapter_contract");
        Known(contract, ContractFields, [], source, "adapter_contract.", "an adapter contract");
        var modules = contract["target_modules"].ValueKind == JsonValueKind.Array
            ? contract["target_modules"].EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : throw Invalid(source, "adapter_contract.target_modules", "it lists a value that is not a string")).ToList()
            : throw Invalid(source, "adapter_contract.target_modules", "it is not a list");
        var dtype = Text(contract, "dtype", source, "adapter_contract.");
        var rank = Int(contract, "rank", source, 1, ModelShape.Hidden, "adapter_contract.");
        var alpha = Positive(contract, "alpha", source, "adapter_contract.");
        if (modules.Count != 1 || modules[0] != ModelShape.TargetModule || dtype != "F32")
        {
            throw new SwarmException("AdapterContractUnsupported",
                $"The job {source} asks for LoRA on [{string.Join(", ", modules.Select(m => $"'{Shorten(m)}'"))}] in {Shorten(dtype)}; version 1 of {ModelShape.ModelName} trains LoRA on [\"{ModelShape.TargetModule}\"] in F32 only.",
                $"Set the plan's adapter contract to target_modules [\"{ModelShape.TargetModule}\"] and dtype F32 (rank and alpha are free).",
                SwarmErrorCategory.InvalidArgument, source);
        }

        return new AdapterContract { TargetModules = modules, Rank = rank, Alpha = alpha, DType = dtype };
    }

    private static Dictionary<string, JsonElement> Object(JsonElement element, string source, string? field) =>
        StrictJsonObject.Properties(element, field, (path, problem) => Invalid(source, path, problem));

    private static void Known(Dictionary<string, JsonElement> properties, string[] required, string[] optional, string source, string? prefix, string what)
    {
        if (properties.Keys.FirstOrDefault(name => !required.Contains(name, StringComparer.Ordinal) && !optional.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw Invalid(source, prefix + unknown, $"it is not a field of {what} (a typo, a field of another mode, or a newer contract)");
        }

        if (required.FirstOrDefault(name => !properties.ContainsKey(name)) is { } missing)
        {
            throw Invalid(source, prefix + missing, $"it is missing; {what} needs it");
        }
    }

    private static string Text(Dictionary<string, JsonElement> properties, string name, string source, string? prefix = null)
    {
        if (!properties.TryGetValue(name, out var element))
        {
            throw Invalid(source, prefix + name, "it is missing");
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            throw Invalid(source, prefix + name, "it is not a string");
        }

        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid(source, prefix + name, "it is not valid Unicode text");
        }
    }

    private static string NonEmpty(Dictionary<string, JsonElement> properties, string name, string source) =>
        Checked(Text(properties, name, source), s => s.Length > 0 && !s.Contains('\0'), source, name, "a path (non-empty, no NUL)");

    private static string Digest(Dictionary<string, JsonElement> properties, string name, string source) =>
        Checked(Text(properties, name, source), ContributionManifestJson.IsDigest, source, name, "sha256: and 64 lowercase hex digits");

    private static string Shard(Dictionary<string, JsonElement> properties, string source) =>
        Checked(Text(properties, "data_shard", source), s => s.Length is > 0 and <= 256 && !s.Any(char.IsControl), source, "data_shard", "a shard id of 1 to 256 printable characters");

    private static int Int(Dictionary<string, JsonElement> properties, string name, string source, int minimum, int maximum, string? prefix = null)
    {
        if (!properties.TryGetValue(name, out var element))
        {
            throw Invalid(source, prefix + name, "it is missing");
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= minimum && value <= maximum
            ? value
            : throw Invalid(source, prefix + name, string.Create(CultureInfo.InvariantCulture, $"it is not a whole number from {minimum} to {maximum}"));
    }

    private static long Long(Dictionary<string, JsonElement> properties, string name, string source) =>
        properties[name].ValueKind == JsonValueKind.Number && properties[name].TryGetInt64(out var value) && value >= 0
            ? value
            : throw Invalid(source, name, "it is not a whole number from 0 to 2^63 - 1");

    private static double Positive(Dictionary<string, JsonElement> properties, string name, string source, string? prefix = null) =>
        properties[name].ValueKind == JsonValueKind.Number && properties[name].TryGetDouble(out var value) && double.IsFinite(value) && value > 0
            ? value
            : throw Invalid(source, prefix + name, "it is not a finite number above 0");

    private static string Checked(string value, Func<string, bool> valid, string source, string field, string shape) =>
        valid(value) ? value : throw Invalid(source, field, $"'{Shorten(value)}' is not {shape}");

    private static string Shorten(string value) => value.Length > 80 ? value[..80] + "…" : value;

    private static SwarmException Invalid(string source, string? field, string problem) => new(
        "TrainerJobInvalid",
        $"The trainer job {source} cannot be run: {(field is null ? "" : $"'{field}': ")}{problem}.",
        "Write the job file as docs/trainer-contract.md describes it (the coordinator writes it from the training plan); nothing was trained or written.",
        SwarmErrorCategory.InvalidArgument,
        source);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NameShape();
}
