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
        var bytes = TrainingRecord.ReadFile(path, MaxBytes) ?? throw Invalid(path, "it does not exist or is not a regular file under 256 KiB");
        try
        {
            return JsonSerializer.Deserialize<LiveTrainingSettings>(bytes, Json) is { SchemaVersion: 1 } settings
                ? settings
                : throw Invalid(path, "it is not a schema_version 1 settings object");
        }
        catch (JsonException error)
        {
            throw Invalid(path, error.Message);
        }
    }

    /// <summary>The frozen plan, checked against the digest the run was started with (a changed file is a drift).</summary>
    public TrainingPlan LoadPlan()
    {
        var bytes = TrainingRecord.ReadFile(PlanFile, 1024 * 1024) ?? throw Invalid(PlanFile, "the plan file is missing");
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
