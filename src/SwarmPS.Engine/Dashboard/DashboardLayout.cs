namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Which sites a directory holds, read as Get-SwarmEvent reads it: <c>events.jsonl</c> (or <c>status.json</c>)
/// at its top means the directory is one site; otherwise each subdirectory holding either is a site. A site
/// that is up but has written no event yet has its status.json, so it is found, not missing.
/// </summary>
public static class DashboardLayout
{
    public const string EventsFileName = "events.jsonl";
    public const string StatusFileName = "status.json";

    /// <summary>The (site, directory) pairs of <paramref name="source"/>; a named source is that one site whatever it holds.</summary>
    public static IReadOnlyList<(string Site, string Directory)> Sites(DashboardSource source)
    {
        if (source.Site is { } name)
        {
            return new[] { (name, source.Directory) };
        }

        if (!Directory.Exists(source.Directory))
        {
            return Array.Empty<(string, string)>();
        }

        if (IsSiteDirectory(source.Directory))
        {
            return new[] { (Path.GetFileName(Path.TrimEndingDirectorySeparator(source.Directory)), source.Directory) };
        }

        // Symbolic links are not followed: a link planted in a run directory must not pull another tree in.
        return new DirectoryInfo(source.Directory).EnumerateDirectories()
            .Where(directory => directory.LinkTarget is null && IsSiteDirectory(directory.FullName))
            .Select(directory => (directory.Name, directory.FullName))
            .OrderBy(site => site.Name, StringComparer.Ordinal)
            .ToList();
    }

    public static bool IsSiteDirectory(string directory) =>
        File.Exists(Path.Combine(directory, EventsFileName)) || File.Exists(Path.Combine(directory, StatusFileName));
}
