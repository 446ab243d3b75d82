using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// The <c>.swarm-code.json</c> beside shipped code on a site: which tree it is (the tree hash of
/// <see cref="CodeManifest"/>), when and from where it came. The next sync reads it (one small remote read)
/// to skip an unchanged tree; a job records <see cref="TreeHash"/> as the code it ran.
/// </summary>
public sealed record ShippedCode
{
    public const string FileName = ".swarm-code.json";

    /// <summary>More than any real record; a bigger file is not ours and is ignored.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    [JsonPropertyName("schema_version")]
    public int SchemaVersion { get; init; } = 1;

    public required string TreeHash { get; init; }

    public int Files { get; init; }

    public long Bytes { get; init; }

    public DateTimeOffset ShippedAt { get; init; }

    public string? FromHost { get; init; }

    public string? FromUser { get; init; }

    public string? FromPath { get; init; }

    public string? Transport { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// The record in <paramref name="text"/>, or null when it is missing, too big, not JSON or has no
    /// well-formed tree hash: then the code is shipped again, which is always safe.
    /// </summary>
    public static ShippedCode? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxBytes)
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize<ShippedCode>(text, Json);
            return record is { TreeHash.Length: 64 } && record.TreeHash.All(Uri.IsHexDigit) ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
