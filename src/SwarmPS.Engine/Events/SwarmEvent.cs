using System.Globalization;
using System.Text.Json;

namespace SwarmPS.Engine.Events;

/// <summary>
/// One line of a site's events.jsonl: when (UTC, milliseconds), which site and agent, what kind of
/// thing happened, and the kind's own fields. Operators grep these files, so the wire form is fixed:
/// <c>{"ts":"2026-11-22T07:18:44.123Z","site":"alpha","agent":"ping","kind":"agent_started",...}</c>.
/// </summary>
public sealed record SwarmEvent(
    DateTimeOffset Timestamp,
    string Site,
    string? Agent,
    string Kind,
    IReadOnlyDictionary<string, object?> Fields)
{
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly HashSet<string> ReservedNames = new() { "ts", "site", "agent", "kind" };

    public static SwarmEvent Now(string site, string? agent, string kind, IReadOnlyDictionary<string, object?>? fields = null) =>
        new(DateTimeOffset.UtcNow, site, agent, kind, fields ?? new Dictionary<string, object?>());

    /// <summary>The kind's fields as "name=value" pairs, for one-line displays.</summary>
    public string Details => string.Join(' ', Fields.Select(pair => $"{pair.Key}={Convert.ToString(pair.Value, CultureInfo.InvariantCulture)}"));

    /// <summary>A field's value as text, for filters and landmarks; null when absent.</summary>
    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", Timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture));
            writer.WriteString("site", Site);
            if (Agent is null)
            {
                writer.WriteNull("agent");
            }
            else
            {
                writer.WriteString("agent", Agent);
            }

            writer.WriteString("kind", Kind);
            foreach (var (name, value) in Fields.Where(field => !ReservedNames.Contains(field.Key)))
            {
                writer.WritePropertyName(name);
                JsonSerializer.Serialize(writer, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Parses one line; <paramref name="siteFromLayout"/> fills a missing "site".</summary>
    public static bool TryParse(string line, string siteFromLayout, out SwarmEvent? parsed)
    {
        parsed = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("ts", out var ts) || ts.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var timestamp)
                || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            var site = root.TryGetProperty("site", out var siteElement) && siteElement.ValueKind == JsonValueKind.String
                ? siteElement.GetString()!
                : siteFromLayout;
            var agent = root.TryGetProperty("agent", out var agentElement) && agentElement.ValueKind == JsonValueKind.String
                ? agentElement.GetString()
                : null;
            var fields = new Dictionary<string, object?>();
            foreach (var property in root.EnumerateObject().Where(p => !ReservedNames.Contains(p.Name)))
            {
                fields[property.Name] = Plain(property.Value);
            }

            parsed = new SwarmEvent(timestamp, site, agent, kind.GetString()!, fields);
            return true;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string holding half a surrogate pair ("\ud800"), valid JSON that is no text.
            return false;
        }
    }

    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        // Arrays and objects stay JSON, so an event read and written again is the same event.
        _ => value.Clone(),
    };
}
