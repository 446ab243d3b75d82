namespace SwarmPS.Engine.Sites;

/// <summary>The shell that reaches a site: this machine directly, or its login host over OpenSSH or SSH.NET.</summary>
public static class SiteShell
{
    /// <summary>
    /// Local, OpenSSH or (<c>ssh.client: sshnet</c>) SSH.NET, whose shells are shared per settings so every
    /// caller's commands ride one connection; when the profile sets an <c>environment</c>, every command (scheduler commands
    /// included) runs with it, as a login on that site would.
    /// </summary>
    public static ISiteShell For(SiteProfile site)
    {
        ISiteShell shell = site.Ssh switch
        {
            null => LocalShell.Instance,
            { Client: SshClientKind.SshNet } ssh => SshNetShell.Shared(ssh),
            var ssh => new OpenSshShell(ssh),
        };
        return site.Environment.Count == 0 ? shell : new SiteEnvironmentShell(shell, site.Environment);
    }
}
