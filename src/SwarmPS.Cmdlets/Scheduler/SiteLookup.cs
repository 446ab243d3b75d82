using SwarmPS.Engine;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets.Scheduler;

/// <summary>
/// The one place scheduler cmdlets turn a -Site name into a profile. The site catalog (profiles under
/// ~/.config/swarmps/sites/) belongs to the sites pillar; when it is merged, <see cref="Resolve"/> calls
/// it and nothing else in the scheduler cmdlets changes. Until then only the built-in 'local' site resolves.
/// </summary>
internal static class SiteLookup
{
    public const string LocalSiteName = "local";

    public static SiteProfile Resolve(string name)
    {
        if (string.Equals(name, LocalSiteName, StringComparison.OrdinalIgnoreCase))
        {
            var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return new SiteProfile
            {
                Name = LocalSiteName,
                Scheduler = SchedulerKind.Local,
                RunRoot = Path.Combine(dataHome, "swarmps", "runs"),
            };
        }

        throw new SwarmException(
            "SiteNotFound",
            $"No site profile named '{name}'.",
            "List the sites with Get-SwarmSite and pass one of their names, or add a profile under ~/.config/swarmps/sites/.",
            SwarmErrorCategory.ObjectNotFound,
            name);
    }
}
