using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Reads and atomically rewrites a site's status.json (temporary file, then rename), owner-only (0600): it
/// records the site's processes, their pids and problems.
/// </summary>
public static class SiteStatusFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Write(string path, SiteStatus status)
    {
        OwnerOnly.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(status, Options) + "\n");
    }

    /// <summary>The status, or null when the site has not started here.</summary>
    public static SiteStatus? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>A status.json's text, read here or fetched from a remote site (<paramref name="source"/> names it in errors).</summary>
    public static SiteStatus Parse(string json, string source)
    {
        var path = source;
        try
        {
            return JsonSerializer.Deserialize<SiteStatus>(json, Options)
                ?? throw new JsonException("the file holds null");
        }
        catch (JsonException error)
        {
            throw new SwarmException(
                "SiteStatusUnreadable",
                $"'{path}' is not a readable site status: {error.Message}",
                "The file was edited or truncated; stop the site's processes by hand (see agents/*/ and ps) and remove the file.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }
    }
}
