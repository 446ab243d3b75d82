namespace SwarmPS.Engine.Sites;

/// <summary>The shell that reaches a site: this machine directly, or its login host over OpenSSH.</summary>
public static class SiteShell
{
    /// <summary>
    /// Local or OpenSSH; when the profile sets an <c>environment</c>, every command (scheduler commands
    /// included) runs with it, as a login on that site would.
    /// </summary>
    public static ISiteShell For(SiteProfile site)
    {
        ISiteShell shell = site.Ssh is null ? LocalShell.Instance : new OpenSshShell(site.Ssh);
        return site.Environment.Count == 0 ? shell : new SiteEnvironmentShell(shell, site.Environment);
    }
}
