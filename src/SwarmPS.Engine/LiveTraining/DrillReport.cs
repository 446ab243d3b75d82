using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>One observation of a drill: what the posture requires, and whether the run showed it.</summary>
public sealed record DrillCheck(string Name, bool Passed, string Detail);

/// <summary>
/// What a failure drill did and what the run did about it (Invoke-SwarmFailureDrill): the drill, its run and
/// the contributor it was planted in, the posture the plan expects, the posture observed, and every check
/// behind that verdict. Filed as JSON in the run's record (<c>drills/&lt;drill&gt;.json</c>), so the evidence
/// bundle carries it.
/// </summary>
public sealed record DrillReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public required string Drill { get; init; }

    public required string RunId { get; init; }

    public required string Contributor { get; init; }

    /// <summary>The posture the plan expects, in words.</summary>
    public required string Expected { get; init; }

    /// <summary>The posture the run showed, in words.</summary>
    public required string Observed { get; init; }

    public bool Passed => Checks.All(check => check.Passed);

    public required IReadOnlyList<DrillCheck> Checks { get; init; }

    /// <summary>How the run ended (its phase).</summary>
    public TrainingPhase Phase { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>The report in the run's record, and the evidence bundle exported with it.</summary>
    public string? ReportPath { get; init; }

    public string? EvidencePath { get; init; }

    public string Serialize() => JsonSerializer.Serialize(this, Json) + "\n";
}
