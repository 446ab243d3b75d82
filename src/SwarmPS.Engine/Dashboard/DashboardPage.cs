using System.Reflection;
using System.Text;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The dashboard's one page (Assets/dashboard.html, embedded in the engine so nothing can go missing beside
/// it) with its boot line filled: <c>{"mode":"live"}</c> for the server, the whole snapshot for a report.
/// </summary>
public static class DashboardPage
{
    public const string BootPlaceholder = "__SWARM_BOOT__";

    private static readonly Lazy<string> Template = new(() =>
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("SwarmPS.Engine.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("The dashboard page is not embedded in SwarmPS.Engine: the build is broken.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        return text.Contains(BootPlaceholder, StringComparison.Ordinal)
            ? text
            : throw new InvalidOperationException($"The dashboard page has no {BootPlaceholder} line: the build is broken.");
    });

    /// <summary>The page a live dashboard serves: it fetches the snapshot and follows the stream.</summary>
    public static byte[] Live() => Encoding.UTF8.GetBytes(Template.Value.Replace(BootPlaceholder, "{\"mode\":\"live\"}", StringComparison.Ordinal));

    /// <summary>The page with <paramref name="snapshot"/> inside (JSON from <see cref="DashboardJson"/>, whose escaping keeps it inside its script element).</summary>
    public static void WriteReport(Stream output, DashboardUpdate snapshot, DateTimeOffset exportedAt)
    {
        var template = Template.Value;
        var at = template.IndexOf(BootPlaceholder, StringComparison.Ordinal);
        output.Write(Encoding.UTF8.GetBytes(template[..at]));
        output.Write(Encoding.UTF8.GetBytes($"{{\"mode\":\"report\",\"exported\":\"{exportedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\",\"snapshot\":"));
        DashboardJson.Write(output, snapshot);
        output.Write("}"u8);
        output.Write(Encoding.UTF8.GetBytes(template[(at + BootPlaceholder.Length)..]));
    }
}
