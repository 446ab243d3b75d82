using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// The user's own settings, <c>$XDG_CONFIG_HOME/swarmps/config.yaml</c> (default <c>~/.config/swarmps/</c>),
/// read strictly like every configuration file: an unknown key fails with the nearest known one suggested.
/// No file is no settings. Keys now: <c>intent_roots</c>, the directories Find-SwarmIntent searches when no
/// -Root is given (absolute, or starting with <c>~/</c>; <c>${VAR}</c> is expanded).
/// </summary>
public sealed class UserConfig
{
    public const string FileName = "config.yaml";

    public const string IntentRootsKey = "intent_roots";

    private static readonly string[] KnownKeys = [IntentRootsKey];

    private UserConfig(string path, IReadOnlyList<string> intentRoots)
    {
        Path = path;
        IntentRoots = intentRoots;
    }

    /// <summary>The file read (or that would be read: it may not exist).</summary>
    public string Path { get; }

    public IReadOnlyList<string> IntentRoots { get; }

    /// <summary>The user's config.yaml under <see cref="UserDirectories.Config"/>.</summary>
    public static string DefaultPath(Func<string, string?>? environment = null) =>
        System.IO.Path.Combine(UserDirectories.Config(environment), FileName);

    public static UserConfig Load(string? path = null)
    {
        path ??= DefaultPath();
        if (!File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            return new UserConfig(path, []);
        }

        var reader = ConfigDocument.Load(path).RootReader("SwarmPS user configuration", KnownKeys);
        var roots = reader.StringList(IntentRootsKey).Select(root => Root(root, reader.Location)).ToList();
        return new UserConfig(path, roots);
    }

    private static string Root(string root, SourceLocation location)
    {
        if (root.StartsWith("~/", StringComparison.Ordinal) || root == "~")
        {
            var home = Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return System.IO.Path.Join(home, root[1..]);
        }

        return System.IO.Path.IsPathFullyQualified(root)
            ? root
            : throw new ConfigException(
                "ConfigIntentRootRelative", location,
                $"'{IntentRootsKey}' holds '{root}', a relative path; it would mean a different directory in every current directory.",
                $"Write each entry of '{IntentRootsKey}' as an absolute path or one starting with ~/ (e.g. ~/experiments).");
    }
}
