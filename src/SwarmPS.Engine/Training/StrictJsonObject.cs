using System.Text.Json;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The properties of a JSON object that came from another site (a manifest, a record document, a trainer
/// job), refused when it is not an object or repeats a name: JsonDocument keeps both of a repeated name and
/// tools disagree on which one a reader takes, so a file must mean one thing. Each reader keeps its own
/// error id through <paramref name="invalid"/> (field path, problem).
/// </summary>
public static class StrictJsonObject
{
    public static Dictionary<string, JsonElement> Properties(JsonElement element, string? field, Func<string?, string, SwarmException> invalid)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw invalid(field, "it is not a JSON object");
        }

        var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var prefix = string.IsNullOrEmpty(field) ? "" : field + ".";
        foreach (var property in element.EnumerateObject())
        {
            if (!properties.TryAdd(property.Name, property.Value))
            {
                throw invalid(prefix + property.Name, "it appears twice");
            }
        }

        return properties;
    }
}
