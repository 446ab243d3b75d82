using System.Text.Json;

namespace SwarmPS.Engine.Launch;

/// <summary>The one JSON line the remote site host's <c>stop</c> prints, and its reading on the operator's side.</summary>
public static class RemoteStopReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(SiteStopResult result) => JsonSerializer.Serialize(result, Options);

    /// <summary>The last line of <paramref name="output"/> that reads as a stop result; null when none does.</summary>
    public static SiteStopResult? TryParse(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).AsEnumerable().Reverse())
        {
            try
            {
                if (line.StartsWith('{') && JsonSerializer.Deserialize<SiteStopResult>(line, Options) is { } result)
                {
                    return result;
                }
            }
            catch (JsonException)
            {
                // Not the result line (a runtime warning, say); keep looking.
            }
        }

        return null;
    }
}
