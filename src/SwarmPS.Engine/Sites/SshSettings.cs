namespace SwarmPS.Engine.Sites;

/// <summary>
/// How to reach a remote site's login host with the system OpenSSH client. ControlMaster multiplexing
/// is on by default: sites with MFA need it (one interactive login, then every command reuses it).
/// </summary>
public sealed record SshSettings
{
    public required string Host { get; init; }

    /// <summary>The SSH implementation to use; OpenSSH unless the profile says <c>client: sshnet</c>.</summary>
    public SshClientKind Client { get; init; } = SshClientKind.OpenSsh;

    /// <summary>Login name on the far side; may differ from the workspace user name (ALCF).</summary>
    public string? User { get; init; }

    public int Port { get; init; } = 22;

    public string? IdentityFile { get; init; }

    /// <summary>An ssh_config file to use (ssh -F); null for the user's usual configuration.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>ControlPath for multiplexing; %C and the other ssh tokens are passed through to ssh.</summary>
    public string? ControlPath { get; init; } = "~/.ssh/swarmps-%C";

    /// <summary>How long the master connection outlives its last client, in ssh's ControlPersist syntax.</summary>
    public string ControlPersist { get; init; } = "10m";

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Further -o options, name to value (e.g. StrictHostKeyChecking=yes).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>"user@host" or "host", for messages and ssh's destination argument.</summary>
    public string Destination => User is null ? Host : $"{User}@{Host}";
}
