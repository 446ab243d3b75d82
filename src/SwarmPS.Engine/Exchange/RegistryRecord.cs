using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// One fact in the RabbitMQ backend's registry log, the stream every gateway reads from its start in the
/// same order (<see cref="MailboxRegistry"/> folds them). Times are the writing gateway's clock in Unix
/// milliseconds, and the rules a fold applies travel in the record (heartbeat threshold, mailbox limits),
/// so every gateway that folds the same records reaches the same state, whatever its own settings.
/// </summary>
public sealed record RegistryRecord
{
    public const string Register = "register";
    public const string Heartbeat = "heartbeat";
    public const string Terminate = "terminate";
    public const string Sent = "sent";
    public const string Acknowledged = "acked";

    /// <summary>Written only to learn when everything before it has been read (<see cref="RegistryLog.CatchUpAsync"/>).</summary>
    public const string Mark = "mark";

    [JsonPropertyName("k")] public required string Kind { get; init; }

    [JsonPropertyName("mb")] public Guid Mailbox { get; init; }

    [JsonPropertyName("at")] public long At { get; init; }

    [JsonPropertyName("run")] public string? RunId { get; init; }

    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>A heartbeat repeats the registration time, so a mailbox outlives the log's retention while it beats.</summary>
    [JsonPropertyName("reg")] public long? RegisteredAt { get; init; }

    /// <summary>The registration attempt: the registering gateway learns from the fold whether it won.</summary>
    [JsonPropertyName("claim")] public Guid? Claim { get; init; }

    [JsonPropertyName("stale")] public long? HeartbeatThresholdMs { get; init; }

    [JsonPropertyName("max")] public int? MaxMailboxes { get; init; }

    [JsonPropertyName("max_run")] public int? MaxMailboxesPerRun { get; init; }

    /// <summary>Message ids of a <see cref="Sent"/> or <see cref="Acknowledged"/> record.</summary>
    [JsonPropertyName("ids")] public Guid[]? Messages { get; init; }

    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static byte[] Serialize(IReadOnlyList<RegistryRecord> records) => JsonSerializer.SerializeToUtf8Bytes(records, Options);

    /// <summary>The records of one log entry; an entry that is not a list of records (someone else wrote to the stream) reads as none.</summary>
    public static IReadOnlyList<RegistryRecord> Deserialize(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<RegistryRecord[]>(body, Options) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
