namespace SwarmPS.Engine.Sites;

/// <summary>
/// Which SSH implementation reaches a site's login host (<c>ssh.client</c> in a site profile). OpenSSH is
/// the default because it brings the operator's whole setup (ssh_config, agent, ProxyJump, MFA masters);
/// SSH.NET is in-process, for hosts where no OpenSSH client is installed.
/// </summary>
public enum SshClientKind
{
    /// <summary>The system <c>ssh</c> program (<see cref="OpenSshShell"/>).</summary>
    OpenSsh,

    /// <summary>The in-process SSH.NET library (<see cref="SshNetShell"/>).</summary>
    SshNet,
}
