using System.Text.Json;

namespace SwarmPS.Engine.Processes;

/// <summary>
/// How a detached child (a site launcher, an exchange) tells its parent why it failed: one line in its log
/// (launcher.log, exchange.out),
/// <c>swarmps-error: {"error_id":"MailboxExists","message":"…","remediation":"…","category":"ResourceExists"}</c>,
/// so Start-SwarmSite -Detach and Start-SwarmExchange report the child's own error id and fix instead of a
/// generic SiteStartFailed or ExchangeStartFailed (<see cref="DetachedProcess"/> reads it).
/// </summary>
public static class LaunchFailureLine
{
    public const string Marker = "swarmps-error: ";

    public static string Format(SwarmException error) => Marker + JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["error_id"] = error.ErrorId,
        ["message"] = error.Message,
        ["remediation"] = error.Remediation,
        ["category"] = error.Category.ToString(),
    });

    /// <summary>The last failure reported among <paramref name="lines"/>, as the exception it was; null when none parses.</summary>
    public static SwarmException? LastIn(IEnumerable<string> lines, object? target = null)
    {
        foreach (var line in lines.Reverse().Where(line => line.StartsWith(Marker, StringComparison.Ordinal)))
        {
            try
            {
                using var document = JsonDocument.Parse(line[Marker.Length..]);
                var root = document.RootElement;
                var id = Text(root, "error_id");
                if (string.IsNullOrEmpty(id))
                {
                    continue;
                }

                return new SwarmException(
                    id,
                    Text(root, "message") ?? "The detached launcher failed.",
                    Text(root, "remediation") ?? "Read launcher.log in the site's run directory.",
                    Enum.TryParse<SwarmErrorCategory>(Text(root, "category"), out var category) ? category : SwarmErrorCategory.OperationStopped,
                    target);
            }
            catch (JsonException)
            {
                // A line cut short (the launcher was killed while writing it): look further back.
            }
        }

        return null;
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
