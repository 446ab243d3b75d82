namespace SwarmPS.Engine.Sites;

/// <summary>The shell that reaches a site: this machine directly, or its login host over OpenSSH.</summary>
public static class SiteShell
{
    public static IRemoteShell For(SiteProfile site) =>
        site.Ssh is null ? LocalShell.Instance : new OpenSshShell(site.Ssh);
}
