using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Finds where a launch ran on this machine: for each site (named, or every usable site in the catalog),
/// &lt;runRoot&gt;/&lt;runId&gt;/&lt;site&gt;/status.json. Get-SwarmAgent and Stop-SwarmSite start here.
/// </summary>
public static class RunLocator
{
    /// <summary>Run ids with a site directory under some usable site's run root, newest first, for tab completion.</summary>
    public static IReadOnlyList<string> KnownRunIds(SiteCatalog catalog) => catalog.List()
        .Where(entry => entry.Ready && Directory.Exists(entry.Profile!.RunRoot))
        .SelectMany(entry => new DirectoryInfo(entry.Profile!.RunRoot).EnumerateDirectories()
            // The run root also holds other folders (jobs/ of the scheduler); a run is one with this site's
            // status.json in it, the same test Find uses.
            .Where(directory => CampaignRunId.IsValid(directory.Name)
                && File.Exists(new SiteRunLayout(entry.Profile.RunRoot, directory.Name, entry.Profile.Name).StatusFile)))
        .OrderByDescending(directory => directory.LastWriteTimeUtc)
        .Select(directory => directory.Name)
        .Distinct(StringComparer.Ordinal)
        .ToList();

    /// <summary>The sites of <paramref name="sites"/> whose profiles reach them over SSH: their runs are read and stopped there.</summary>
    public static IReadOnlyList<SiteProfile> RemoteSites(SiteCatalog catalog, IReadOnlyCollection<string>? sites) =>
        sites is { Count: > 0 } ? sites.Select(catalog.Get).Where(profile => profile.IsRemote).ToList() : Array.Empty<SiteProfile>();

    /// <summary>
    /// <see cref="Find"/> for the sites on this machine: those of <paramref name="sites"/> that are not remote
    /// (none when every named site is), or every local site when none is named.
    /// </summary>
    public static IReadOnlyList<SiteRunLayout> FindHere(SiteCatalog catalog, string runId, IReadOnlyCollection<string>? sites)
    {
        if (sites is not { Count: > 0 })
        {
            return Find(catalog, runId, null);
        }

        var here = sites.Where(name => !catalog.Get(name).IsRemote).ToList();
        return here.Count == 0 ? Array.Empty<SiteRunLayout>() : Find(catalog, runId, here);
    }

    public static IReadOnlyList<SiteRunLayout> Find(SiteCatalog catalog, string runId, IReadOnlyCollection<string>? sites)
    {
        CampaignRunId.Validate(runId);
        var profiles = sites is { Count: > 0 }
            ? sites.Select(catalog.Get).ToList()
            // Without -Site, only sites on this machine: a remote site's run root is a path on its login host
            // (RemoteSiteRun reads it over SSH when the site is named).
            : catalog.List().Where(entry => entry.Ready && !entry.Profile!.IsRemote).Select(entry => entry.Profile!).ToList();
        var found = profiles
            .Select(profile => new SiteRunLayout(profile.RunRoot, runId, profile.Name))
            .Where(layout => File.Exists(layout.StatusFile))
            .ToList();
        if (found.Count > 0)
        {
            return found;
        }

        var looked = string.Join(", ", profiles.Select(profile => new SiteRunLayout(profile.RunRoot, runId, profile.Name).SiteDirectory));
        throw new SwarmException(
            "RunNotFound",
            $"No site of run '{runId}' was started on this machine (looked in: {looked}).",
            "Check the run id (it is the same on every site), run this on the machine that launched the site, or pass -Site with the site's name.",
            SwarmErrorCategory.ObjectNotFound,
            runId);
    }
}
