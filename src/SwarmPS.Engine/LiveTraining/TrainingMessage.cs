using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// What the roles of a live training run say to each other through their mailboxes on the exchange (one JSON
/// object per message body, docs/training-live.md "Messages"). A contributor sends <c>join</c> (with its
/// admission proof and the plan digest it holds), <c>heartbeat</c> (its trainer's progress), <c>contributed</c>
/// (the contribution is on the exchange) or <c>failed</c>; the coordinator answers <c>admitted</c> or
/// <c>refused</c>, and sends <c>stop</c> when the run must end. A body that is not such an object is not a
/// training message (<see cref="TryParse"/> is false): mailboxes carry what any agent of the run sent.
/// </summary>
public sealed record TrainingMessage
{
    public const string Join = "join";
    public const string Admitted = "admitted";
    public const string Refused = "refused";
    public const string Heartbeat = "heartbeat";
    public const string Contributed = "contributed";
    public const string Failed = "failed";
    public const string Stop = "stop";

    /// <summary>The largest body read as a training message; a longer one is not one.</summary>
    public const int MaxBodyChars = 16 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    [JsonPropertyName("swarmps_training")]
    public int Version { get; init; } = 1;

    public required string Kind { get; init; }

    public required string Contributor { get; init; }

    public string? PlanDigest { get; init; }

    /// <summary>join: the <see cref="AdmissionProof"/>; null when the contributor has no token.</summary>
    public string? Proof { get; init; }

    /// <summary>heartbeat: <c>setup</c> or <c>train</c>.</summary>
    public string? Phase { get; init; }

    public long? Step { get; init; }

    public double? Loss { get; init; }

    /// <summary>contributed: the manifest digest the exchange announced the contribution under.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>refused, failed, stop: why, in words.</summary>
    public string? Reason { get; init; }

    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    public string ToBody() => JsonSerializer.Serialize(this, Json);

    /// <summary>The training message in <paramref name="body"/>, or false (and null) when it is none (any other text an agent sent).</summary>
    public static bool TryParse(string body, out TrainingMessage? message)
    {
        message = null;
        if (body.Length > MaxBodyChars || !body.TrimStart().StartsWith('{'))
        {
            return false;
        }

        TrainingMessage? read;
        try
        {
            read = JsonSerializer.Deserialize<TrainingMessage>(body, Json);
        }
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            // ArgumentException: a lone surrogate in the body (not UTF-16 text, so not UTF-8 JSON either).
            return false;
        }

        // A loss written past double's range (1e400) reads as infinity, which the status document cannot hold:
        // the coordinator's next status write would throw. No trainer reports an infinite loss.
        if (read is not { Version: 1, Kind.Length: > 0, Contributor.Length: > 0 } || read.Loss is { } loss && !double.IsFinite(loss))
        {
            return false;
        }

        message = read;
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind} from {Contributor}");
}
