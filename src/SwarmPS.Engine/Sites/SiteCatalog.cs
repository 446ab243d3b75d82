using System.Reflection;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Every site SwarmPS knows, by name. Profiles are looked up, first match wins, in: the directories of
/// SWARMPS_SITE_PATH (a project's own sites), the user's $XDG_CONFIG_HOME/swarmps/sites
/// (~/.config/swarmps/sites), then the built-in templates. So a user file named polaris.yaml replaces
/// the built-in polaris. Files are read on each call, so an edit takes effect without re-importing.
/// </summary>
public sealed class SiteCatalog
{
    private const string BuiltInSource = "built-in";
    private static readonly string ResourcePrefix = typeof(SiteCatalog).Namespace + ".BuiltIn.";

    private readonly IReadOnlyList<string> _directories;
    private readonly VariableExpander _expander;

    public SiteCatalog(IReadOnlyList<string> directories, VariableExpander expander)
    {
        _directories = directories;
        _expander = expander;
    }

    /// <summary>The catalog as the process environment defines it right now: the one every cmdlet and completer uses.</summary>
    public static SiteCatalog Default => new(DefaultDirectories(Environment.GetEnvironmentVariable), VariableExpander.FromProcessEnvironment());

    public IReadOnlyList<string> Directories => _directories;

    public IReadOnlyList<string> Names => List().Select(entry => entry.Name).ToList();

    /// <summary>Search order: SWARMPS_SITE_PATH entries, then the XDG user directory.</summary>
    public static IReadOnlyList<string> DefaultDirectories(Func<string, string?> environment)
    {
        var directories = new List<string>();
        var sitePath = environment("SWARMPS_SITE_PATH");
        if (!string.IsNullOrWhiteSpace(sitePath))
        {
            directories.AddRange(sitePath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        directories.Add(Path.Combine(Files.UserDirectories.Config(environment), "sites"));
        return directories;
    }

    /// <summary>Sites whose names match the wildcard pattern, sorted by name; templates not yet usable included.</summary>
    public IReadOnlyList<SiteEntry> List(string pattern = "*")
    {
        var glob = NameGlob.Parse(pattern);
        return Sources()
            .Where(source => glob.IsMatch(source.Name))
            .Select(Describe)
            .OrderBy(entry => entry.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The usable profile of one site, or the error that says why not and what to do.</summary>
    public SiteProfile Get(string name)
    {
        var source = Sources().FirstOrDefault(candidate => candidate.Name == name);
        if (source is null)
        {
            var known = Sources().Select(candidate => candidate.Name).ToList();
            var suggestion = NearestKey.Suggest(name, known);
            throw new SwarmException(
                "SiteNotFound",
                $"No site named '{name}'. Known sites: {string.Join(", ", known)}.",
                (suggestion is null ? "" : $"Did you mean '{suggestion}'? ")
                + $"To add one, write {Path.Combine(_directories[^1], name + ".yaml")} (see docs/sites.md).",
                SwarmErrorCategory.ObjectNotFound,
                name);
        }

        return Load(source);
    }

    private SiteProfile Load(ProfileSource source) =>
        SiteProfileLoader.Read(ConfigDocument.Parse(source.ReadText(), source.File, _expander), source.Origin);

    private SiteEntry Describe(ProfileSource source)
    {
        try
        {
            var profile = Load(source);
            return new SiteEntry
            {
                Name = profile.Name,
                Scheduler = profile.Scheduler,
                LoginHost = profile.LoginHost,
                Description = profile.Description,
                Source = source.Origin,
                Profile = profile,
            };
        }
        catch (SwarmException error)
        {
            // Not usable yet, but its scheduler and host are written in the file whatever the variables say.
            var (scheduler, loginHost, description) = WhatIsKnown(source);
            return new SiteEntry
            {
                Name = source.Name,
                Scheduler = scheduler,
                LoginHost = loginHost,
                Description = description,
                Source = source.Origin,
                Problem = $"{error.Message} {error.Remediation}",
            };
        }
    }

    private (SchedulerKind? Scheduler, string? LoginHost, string? Description) WhatIsKnown(ProfileSource source)
    {
        try
        {
            return SiteProfileLoader.ReadWhatIsKnown(ConfigDocument.Parse(source.ReadText(), source.File, _expander));
        }
        catch (SwarmException)
        {
            // Unreadable or malformed: nothing is known beyond the name, and Problem says why.
            return (null, null, null);
        }
    }

    /// <summary>One profile per name, the first in search order; user files before built-ins.</summary>
    private IEnumerable<ProfileSource> Sources()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(directory).Where(IsProfileFile).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (seen.Add(name))
                {
                    yield return new ProfileSource(name, file, file, () => ConfigFileReader.ReadText(file));
                }
            }
        }

        var assembly = typeof(SiteCatalog).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order())
        {
            var fileName = resource[ResourcePrefix.Length..];
            var name = Path.GetFileNameWithoutExtension(fileName);
            if (seen.Add(name))
            {
                yield return new ProfileSource(name, $"built-in/{fileName}", BuiltInSource, () => ReadResource(assembly, resource));
            }
        }
    }

    private static bool IsProfileFile(string path) =>
        Path.GetExtension(path) is ".yaml" or ".yml" && !Path.GetFileName(path).StartsWith('.');

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record ProfileSource(string Name, string File, string Origin, Func<string> ReadText);
}
