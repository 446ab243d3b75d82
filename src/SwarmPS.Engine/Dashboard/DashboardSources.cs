using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Which directories a dashboard of a run reads (docs/dashboard.md, "Where the data comes from"): each named
/// site's run directory here, or its mirror when the site is remote; the -Path directories; and, when
/// neither is given, every site of this machine's catalog that has the run. Checked before anything starts.
/// </summary>
public static class DashboardSources
{
    /// <summary>The sources, and the remote sites among them with the mirror directory each is copied into.</summary>
    public static (IReadOnlyList<DashboardSource> Sources, IReadOnlyList<(SiteProfile Site, string Directory)> Remote) Resolve(SiteCatalog catalog, DashboardOptions options)
    {
        CampaignRunId.Validate(options.RunId);
        var sources = new List<DashboardSource>();
        var remote = new List<(SiteProfile, string)>();
        var profiles = options.Sites.Distinct(StringComparer.Ordinal).Select(catalog.Get).ToList();
        var remoteCount = profiles.Count(profile => profile.IsRemote);
        foreach (var profile in profiles)
        {
            if (profile.IsRemote)
            {
                // One remote site mirrors into <mirrorRoot>/<runId>/ itself; several, one folder each below it.
                var directory = remoteCount == 1
                    ? Path.Combine(options.MirrorRoot, options.RunId)
                    : Path.Combine(options.MirrorRoot, options.RunId, profile.Name);
                sources.Add(new DashboardSource(DashboardSourceKind.Mirror, directory, profile.Name));
                remote.Add((profile, directory));
            }
            else
            {
                sources.Add(new DashboardSource(DashboardSourceKind.Local, new SiteRunLayout(profile.RunRoot, options.RunId, profile.Name).SiteDirectory, profile.Name));
            }
        }

        foreach (var path in options.Paths)
        {
            if (!Directory.Exists(path))
            {
                throw new SwarmException(
                    "DashboardPathNotFound",
                    $"'{path}' is not a directory.",
                    "Pass a run directory (<runRoot>/<runId>) or one of its site directories with -Path.",
                    SwarmErrorCategory.ObjectNotFound,
                    path);
            }

            sources.Add(new DashboardSource(DashboardSourceKind.Path, path, null));
        }

        if (sources.Count == 0)
        {
            sources.AddRange(LocalSitesWithTheRun(catalog, options.RunId));
        }

        return (sources, remote);
    }

    /// <summary>One mirror per remote site, by site name, their ssh sockets in <paramref name="controlDirectory"/>. No I/O.</summary>
    public static Dictionary<string, SiteMirror> Mirrors(IEnumerable<(SiteProfile Site, string Directory)> remote, string runId, string controlDirectory) =>
        remote.ToDictionary(entry => entry.Site.Name, entry => SiteMirror.Create(entry.Site, runId, entry.Directory, controlDirectory), StringComparer.Ordinal);

    /// <summary>
    /// After the first read of every source: throws <see cref="RunNotFound"/> when nothing has the run. A remote site
    /// that could not be asked might have it, so then the dashboard shows what there is and that site says why.
    /// </summary>
    public static void EnsureFound(DashboardRun run, IReadOnlyList<DashboardSource> sources, IEnumerable<SiteMirror> mirrors)
    {
        var all = mirrors.ToList();
        if (run.NothingFound() && all.All(mirror => mirror.Status.State != MirrorState.Unreachable))
        {
            throw RunNotFound(run.RunId, sources, all.Select(mirror => mirror.Status.Problem).OfType<string>());
        }
    }

    /// <summary>The error for a run that no source has: no events, no status, and no remote site that could not be asked.</summary>
    private static SwarmException RunNotFound(string runId, IEnumerable<DashboardSource> sources, IEnumerable<string> mirrorProblems)
    {
        var looked = string.Join("; ", sources.Select(source => source.Kind == DashboardSourceKind.Mirror ? $"{source.Site} (remote)" : source.Directory)
            .Concat(mirrorProblems));
        return new SwarmException(
            "DashboardRunNotFound",
            $"No site has run '{runId}' (looked in: {(looked.Length == 0 ? "no site of this machine's catalog" : looked)}).",
            "Check the run id (it is the same on every site); name the sites it ran on with -Site (remote ones are mirrored over SSH), or pass its run directories with -Path.",
            SwarmErrorCategory.ObjectNotFound,
            runId);
    }

    private static IEnumerable<DashboardSource> LocalSitesWithTheRun(SiteCatalog catalog, string runId)
    {
        var here = catalog.List().Where(entry => entry.Ready && !entry.Profile!.IsRemote).Select(entry => entry.Profile!).ToList();
        var found = here
            .Select(profile => new DashboardSource(DashboardSourceKind.Local, new SiteRunLayout(profile.RunRoot, runId, profile.Name).SiteDirectory, profile.Name))
            .Where(source => DashboardLayout.IsSiteDirectory(source.Directory))
            .ToList();
        return found.Count > 0
            ? found
            : throw RunNotFound(runId, here.Select(profile => new DashboardSource(DashboardSourceKind.Local, new SiteRunLayout(profile.RunRoot, runId, profile.Name).SiteDirectory, profile.Name)), Array.Empty<string>());
    }
}
