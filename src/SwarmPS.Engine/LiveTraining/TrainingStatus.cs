using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>Where a live training run is, as its coordinator sees it.</summary>
public enum TrainingPhase
{
    /// <summary>Admitting contributors and watching them train.</summary>
    Training,

    /// <summary>Validating (and replaying) the contributions that arrived.</summary>
    Reviewing,

    /// <summary>Merging the accepted contributions, evaluating and deciding the publication.</summary>
    Publishing,

    /// <summary>The snapshot was published under the plan's gates; the evidence is exported.</summary>
    Published,

    /// <summary>The run ended without a publication: too few accepted contributions, or a gate not met. Nothing was published.</summary>
    Blocked,

    /// <summary>A contributor reported another plan (a drift): the run was stopped.</summary>
    Stopped,

    /// <summary>The coordinator itself failed; <see cref="TrainingRunStatus.Detail"/> says why.</summary>
    Failed,
}

/// <summary>Where one contributor is, as the coordinator sees it.</summary>
public enum ContributorState
{
    /// <summary>It has not asked to join yet.</summary>
    Waiting,

    /// <summary>It was refused: no admission proof, or one that does not match the plan's token.</summary>
    Refused,

    /// <summary>Admitted; training (heartbeats arrive).</summary>
    Training,

    /// <summary>Its contribution is on the exchange.</summary>
    Contributed,

    /// <summary>Its trainer failed; it said why.</summary>
    Failed,

    /// <summary>Its heartbeats stopped for longer than the plan's contributor-loss grace.</summary>
    Lost,

    /// <summary>It had not contributed when the plan's skew and grace after the first contribution ran out: left out.</summary>
    Late,
}

/// <summary>One contributor of a live run: its state, its trainer's last step and loss, its heartbeats, and its verdict once reviewed.</summary>
public sealed record TrainingContributorStatus
{
    public required string RunId { get; init; }

    public required string Contributor { get; init; }

    public required string Site { get; init; }

    public required string Backend { get; init; }

    public ContributorState State { get; init; }

    public long? Step { get; init; }

    public double? Loss { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    public int Heartbeats { get; init; }

    /// <summary>The longest silence between two signs of life, in milliseconds.</summary>
    public long LongestGapMs { get; init; }

    /// <summary>A silence went past the plan's stale-worker threshold: its contribution must be confirmed by a replay.</summary>
    public bool Stale { get; init; }

    public VerdictKind? Verdict { get; init; }

    public bool ReplayChecked { get; init; }

    /// <summary>Why it is refused, failed, lost or late, or what its verdict found against it.</summary>
    public string? Detail { get; init; }

    /// <summary>The run's phase, carried on each contributor so one line tells the whole story.</summary>
    public TrainingPhase Phase { get; init; }

    /// <summary>What the run's phase is waiting for, or how the run ended (<see cref="TrainingRunStatus.Detail"/>).</summary>
    public string? PhaseDetail { get; init; }
}

/// <summary>The status document a live run's coordinator keeps in its site directory (<see cref="FileName"/>), replaced whole on every change.</summary>
public sealed record TrainingRunStatus
{
    public const string FileName = "training-status.json";

    private const int MaxBytes = 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Written as words; a number in their place is not something the coordinator wrote.
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
    };

    public required string RunId { get; init; }

    public required string PlanDigest { get; init; }

    public TrainingPhase Phase { get; init; }

    /// <summary>What the phase is waiting for, or how the run ended, in words.</summary>
    public string? Detail { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public IReadOnlyList<TrainingContributorStatus> Contributors { get; init; } = Array.Empty<TrainingContributorStatus>();

    /// <summary>Where the snapshot was published, once it was.</summary>
    public string? Destination { get; init; }

    /// <summary>Where the evidence bundle was exported, once it was.</summary>
    public string? EvidencePath { get; init; }

    public void Write(string siteDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(siteDirectory, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The status in <paramref name="siteDirectory"/>, or null when the coordinator has written none yet.</summary>
    public static TrainingRunStatus? TryRead(string siteDirectory)
    {
        var path = Path.Combine(siteDirectory, FileName);
        byte[]? bytes;
        try
        {
            // Not through File.Exists: a directory or dangling link there is something in its place, not "none yet".
            bytes = BoundedFileRead.ReadAllBytes(path, MaxBytes, followLinks: false);
        }
        catch (FileRefusedException error)
        {
            throw Unreadable(path, error.Message.TrimEnd('.'));
        }

        if (bytes is null)
        {
            return null;
        }

        TrainingRunStatus? status;
        try
        {
            status = JsonSerializer.Deserialize<TrainingRunStatus>(bytes, Json);
        }
        catch (JsonException error)
        {
            throw Unreadable(path, error.Message);
        }

        return status is null ? throw Unreadable(path, "it is empty")
            : status.Problem() is { } problem ? throw Unreadable(path, problem)
            : status;
    }

    /// <summary>
    /// What the deserializer lets through but no coordinator writes: JSON null for a non-nullable field (net8
    /// does not refuse it), or an enum value outside its names ("Training, Published" parses as a flag set).
    /// </summary>
    private string? Problem()
    {
        if (RunId is null || PlanDigest is null || Contributors is null)
        {
            return "run_id, plan_digest and contributors must not be null";
        }

        if (!Enum.IsDefined(Phase))
        {
            return $"its phase '{Phase}' is not a phase";
        }

        foreach (var contributor in Contributors)
        {
            if (contributor is null || contributor.RunId is null || contributor.Contributor is null || contributor.Site is null || contributor.Backend is null)
            {
                return "a contributor, or its run_id, contributor, site or backend, is null";
            }

            if (!Enum.IsDefined(contributor.State) || !Enum.IsDefined(contributor.Phase) || contributor.Verdict is { } verdict && !Enum.IsDefined(verdict))
            {
                return $"contributor {contributor.Contributor} has a state, phase or verdict outside their names";
            }
        }

        return null;
    }

    private static SwarmException Unreadable(string path, string problem) => new("TrainingStatusUnreadable",
        $"The training status {path} cannot be read: {problem}.",
        "The coordinator rewrites it on its next change; if the run has ended, read its events (Get-SwarmEvent) and its record instead.",
        SwarmErrorCategory.InvalidData, path);
}
