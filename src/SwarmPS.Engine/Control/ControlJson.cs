using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// Reads control JSON (envelopes, payloads, journal lines) strictly. JsonNode.Parse accepts a property named
/// twice and throws ArgumentException only later, when the object is first looked into; a hostile body would
/// then escape every reader's JsonException handling and stop a manager's receive loop. Walking the tree once
/// here turns that into a JsonException up front, and a payload that two parsers could read differently (Python
/// keeps the last duplicate) is refused rather than believed.
/// </summary>
internal static class ControlJson
{
    public static JsonNode? Parse(string text)
    {
        var node = JsonNode.Parse(text);
        try
        {
            Walk(node);
        }
        catch (ArgumentException error)
        {
            throw new JsonException($"a property is named twice ({error.Message})", error);
        }

        return node;
    }

    /// <summary>A string property, or null when it is absent or not a string (the caller decides whether that is an error).</summary>
    public static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    // Depth is bounded by JsonNode.Parse's own MaxDepth (64), so the recursion is too.
    private static void Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject json:
                foreach (var property in json)
                {
                    Walk(property.Value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item);
                }

                break;
        }
    }
}
