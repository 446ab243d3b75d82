namespace SwarmPS.Engine.Files;

/// <summary>
/// The per-user base directories of the XDG convention that SwarmPS keeps its files under, in one place so
/// every pillar agrees on them: $XDG_STATE_HOME (default ~/.local/state) for records of what runs, and
/// $XDG_CONFIG_HOME (default ~/.config) for what the operator writes.
/// </summary>
public static class UserDirectories
{
    /// <summary>$XDG_STATE_HOME/swarmps, default ~/.local/state/swarmps.</summary>
    public static string State(Func<string, string?>? environment = null) =>
        Path.Combine(Base(environment ?? Environment.GetEnvironmentVariable, "XDG_STATE_HOME", ".local", "state"), "swarmps");

    /// <summary>$XDG_CONFIG_HOME/swarmps, default ~/.config/swarmps.</summary>
    public static string Config(Func<string, string?>? environment = null) =>
        Path.Combine(Base(environment ?? Environment.GetEnvironmentVariable, "XDG_CONFIG_HOME", ".config"), "swarmps");

    private static string Base(Func<string, string?> environment, string variable, params string[] underHome)
    {
        var value = environment(variable);
        if (!string.IsNullOrEmpty(value))
        {
            return value;
        }

        var home = environment("HOME");
        return Path.Combine(new[] { string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home }.Concat(underHome).ToArray());
    }
}
