using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The shell the scheduler uses for a site: this machine for a site without SSH, else the remote shell
/// the sites pillar provides. Remote shells are plugged in through <see cref="Remote"/> so the scheduler
/// never depends on how SSH is done (OpenSSH with ControlMaster, by the sites pillar).
/// </summary>
public static class SiteShellFactory
{
    /// <summary>Builds the remote shell for a site with SSH settings; set once by whoever owns SSH.</summary>
    public static Func<SiteProfile, IRemoteShell>? Remote { get; set; }

    public static IRemoteShell For(SiteProfile site)
    {
        if (!site.IsRemote)
        {
            return LocalShell.Instance;
        }

        return Remote?.Invoke(site) ?? throw new SwarmException(
            "RemoteShellUnavailable",
            $"Site '{site.Name}' is reached over SSH ({site.Ssh!.Destination}), but this build has no remote shell registered.",
            "Use a build that includes the OpenSSH remote shell, or run SwarmPS on the site's login node with a local profile.",
            SwarmErrorCategory.NotInstalled,
            site.Name);
    }
}
