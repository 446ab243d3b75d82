namespace SwarmPS.Engine.Sites;

/// <summary>
/// What of a site's ssh settings the in-process client (<c>client: sshnet</c>) can honour. SSH.NET reads no
/// ssh_config, has no master connections, no ProxyJump/ProxyCommand and no ssh-agent, so a profile that
/// asks for any of them is refused rather than silently run without it: a ProxyJump quietly dropped
/// would connect straight to a host that should only be reached through its bastion.
/// </summary>
public static class SshNetOptions
{
    /// <summary>The profile's ssh keys that only the OpenSSH client understands.</summary>
    public static readonly IReadOnlyList<string> OpenSshOnlyKeys = new[] { "config_file", "control_path", "control_persist" };

    /// <summary>ssh -o options SSH.NET honours, with the one value it accepts (null: any value).</summary>
    private static readonly Dictionary<string, string?> Supported = new(StringComparer.OrdinalIgnoreCase)
    {
        // Where host keys are looked up (space-separated list, as in ssh_config).
        ["UserKnownHostsFile"] = null,
        // Keepalive period in seconds.
        ["ServerAliveInterval"] = null,
        // What the in-process client always does anyway: verify host keys, never prompt, offer only named keys.
        ["StrictHostKeyChecking"] = "yes",
        ["BatchMode"] = "yes",
        ["IdentitiesOnly"] = null,
    };

    public static IEnumerable<string> SupportedNames => Supported.Keys.Order(StringComparer.Ordinal);

    /// <summary>Why an option cannot be used with SSH.NET, or null when it can.</summary>
    public static string? Problem(string name, string value)
    {
        if (!Supported.TryGetValue(name, out var required))
        {
            return $"The ssh option '{name}' is not supported with client: sshnet (it supports {string.Join(", ", SupportedNames)}).";
        }

        if (required is not null && !string.Equals(value, required, StringComparison.OrdinalIgnoreCase))
        {
            return $"The ssh option {name}={value} is not supported with client: sshnet: it always behaves as {name}={required}.";
        }

        if (name.Equals("ServerAliveInterval", StringComparison.OrdinalIgnoreCase) && !int.TryParse(value, out _))
        {
            return $"ServerAliveInterval must be a whole number of seconds, not '{value}'.";
        }

        return null;
    }

    public const string Remediation =
        "Remove the option, or use client: openssh (the default), which understands ssh_config, ProxyJump, "
        + "ControlMaster and every other ssh option.";

    /// <summary>The known_hosts files to check: the profile's UserKnownHostsFile, else ssh's defaults.</summary>
    public static IReadOnlyList<string> KnownHostsFiles(SshSettings settings)
    {
        var named = settings.Options.FirstOrDefault(option => option.Key.Equals("UserKnownHostsFile", StringComparison.OrdinalIgnoreCase)).Value;
        return named is null
            ? KnownHosts.DefaultFiles()
            : named.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(OpenSshShell.ExpandHome).ToList();
    }

    /// <summary>How often to send a keepalive: ServerAliveInterval when given, else every 15 s as OpenSshShell does; 0 for none.</summary>
    public static TimeSpan KeepAlive(SshSettings settings)
    {
        var named = settings.Options.FirstOrDefault(option => option.Key.Equals("ServerAliveInterval", StringComparison.OrdinalIgnoreCase)).Value;
        if (named is null || !int.TryParse(named, out var seconds))
        {
            return TimeSpan.FromSeconds(15);
        }

        // 0 turns keepalives off, as in ssh.
        return seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
    }
}
