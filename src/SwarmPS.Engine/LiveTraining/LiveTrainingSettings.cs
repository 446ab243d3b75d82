using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// What the roles of one site of a live training run need beyond the SWARM_* agent contract: the frozen plan
/// (its file and digest), where this site's shards are, which trainer runs each backend, and, on the
/// coordinator's site, where the ledger repository, the held-out data, the published snapshot and the
/// evidence bundle go. Start-SwarmTraining writes it (owner-only, beside the derived campaign) and every
/// role reads it at start; it holds paths and commands, never a secret (the admission token stays in the
/// environment variable the plan names).
/// </summary>
public sealed record LiveTrainingSettings
{
    public const string FileName = "training-settings.json";

    private const int MaxBytes = 256 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public int SchemaVersion { get; init; } = 1;

    public required string RunId { get; init; }

    public required string Site { get; init; }

    /// <summary>The plan's canonical JSON (TrainingPlanJson), written beside this file.</summary>
    public required string PlanFile { get; init; }

    public required string PlanDigest { get; init; }

    /// <summary>The base snapshot on this machine (absolute).</summary>
    public required string BaseSnapshotPath { get; init; }

    /// <summary>The folder holding each shard of this site's contributors as <c>&lt;shard&gt;.txt</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The trainer program and arguments of each backend label (the job file is appended).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Trainers { get; init; }

    /// <summary>Only on the coordinator's site: what the coordinator does with the contributions.</summary>
    public CoordinatorSettings? Coordinator { get; init; }

    /// <summary>Failure drills planted in this site's contributors (contributor id → drill), by Invoke-SwarmFailureDrill only.</summary>
    public IReadOnlyDictionary<string, string> Drills { get; init; } = new Dictionary<string, string>();

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static LiveTrainingSettings Read(string path)
    {
        var bytes = ReadFile(path, MaxBytes) ?? throw Invalid(path, "it does not exist");
        LiveTrainingSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<LiveTrainingSettings>(bytes, Json);
        }
        catch (JsonException error)
        {
            throw Invalid(path, error.Message);
        }

        if (settings is not { SchemaVersion: 1 })
        {
            throw Invalid(path, "it is not a schema_version 1 settings object");
        }

        return settings.NullField() is { } field ? throw Invalid(path, $"'{field}' is null") : settings;
    }

    /// <summary>The frozen plan, checked against the digest the run was started with (a changed file is a drift).</summary>
    public TrainingPlan LoadPlan()
    {
        var bytes = ReadFile(PlanFile, 1024 * 1024) ?? throw Invalid(PlanFile, "the plan file is missing");
        var plan = TrainingPlanJson.Read(bytes, PlanFile, Path.GetDirectoryName(PlanFile)!) with { BaseSnapshotPath = BaseSnapshotPath };
        if (plan.Digest != PlanDigest)
        {
            throw new SwarmException("TrainingPlanDrift",
                $"The plan at {PlanFile} is {plan.Digest}; run {RunId} was started under {PlanDigest}.",
                "A started run's plan never changes: stop the run (Stop-SwarmSite) and start a new run id with the new plan.",
                SwarmErrorCategory.InvalidData, PlanFile);
        }

        return plan;
    }

    /// <summary>
    /// The file's bytes, null when nothing is there. A link, FIFO, directory or oversized file is this file's
    /// refusal, not the training record's: the fix is to start the run again, not to mend a record.
    /// </summary>
    private static byte[]? ReadFile(string path, int maxBytes)
    {
        try
        {
            return BoundedFileRead.ReadAllBytes(path, maxBytes, followLinks: false);
        }
        catch (FileRefusedException error)
        {
            throw Invalid(path, error.Message.TrimEnd('.'));
        }
    }

    /// <summary>
    /// The first field a hostile or hand-edited file left null (JSON null passes the deserializer for a
    /// non-nullable property on net8), so a role fails here naming it rather than later on a null.
    /// </summary>
    private string? NullField()
    {
        (string Name, string? Value)[] texts =
        {
            ("run_id", RunId), ("site", Site), ("plan_file", PlanFile), ("plan_digest", PlanDigest),
            ("base_snapshot_path", BaseSnapshotPath), ("data_directory", DataDirectory),
        };
        if (texts.FirstOrDefault(text => text.Value is null).Name is { } name)
        {
            return name;
        }

        if (Trainers is null || Trainers.Any(trainer => trainer.Value is null || trainer.Value.Contains(null!)))
        {
            return "trainers";
        }

        if (Drills is null || Drills.Values.Contains(null!))
        {
            return "drills";
        }

        return Coordinator is { } coordinator
            && (coordinator.Repository is null || coordinator.HeldOutPath is null || coordinator.Destination is null || coordinator.EvidencePath is null
                || coordinator.ReplayTrainer is null || coordinator.ReplayTrainer.Contains(null!))
            ? "coordinator"
            : null;
    }

    private static SwarmException Invalid(string path, string problem) => new("TrainingSettingsInvalid",
        $"The live training settings {path} cannot be used: {problem}.",
        "Start the run with Start-SwarmTraining, which writes this file; it is not edited by hand.",
        SwarmErrorCategory.InvalidData, path);
}

/// <summary>The coordinator's part of <see cref="LiveTrainingSettings"/>.</summary>
public sealed record CoordinatorSettings
{
    /// <summary>The git repository of the ledger and the run's record (.swarm/training/&lt;run&gt;).</summary>
    public required string Repository { get; init; }

    /// <summary>The held-out data file the merged adapter is evaluated on.</summary>
    public required string HeldOutPath { get; init; }

    /// <summary>Where the snapshot is published (a folder that must not exist yet).</summary>
    public required string Destination { get; init; }

    /// <summary>Where the evidence bundle is exported.</summary>
    public required string EvidencePath { get; init; }

    /// <summary>The trainer the coordinator replays and evaluates with (dotnet.cpu): program and arguments.</summary>
    public required IReadOnlyList<string> ReplayTrainer { get; init; }
}
