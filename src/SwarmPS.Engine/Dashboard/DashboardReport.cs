using SwarmPS.Engine.Files;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Export-SwarmReport: the dashboard's view of a run now, as one HTML file that needs no server and no
/// network (the page with the snapshot inside). Remote sites are mirrored first, as the dashboard would,
/// until each has nothing more pending (or answered that it cannot be reached). Written whole (temp file,
/// then rename) and owner-only: a report holds every agent's output; share it deliberately.
/// </summary>
public static class DashboardReport
{
    private const int MaxPollsPerSite = 1000;

    public static async Task<DashboardUpdate> ExportAsync(SiteCatalog catalog, DashboardOptions options, string path, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var (sources, remote) = DashboardSources.Resolve(catalog, options);
        // Before any mirroring: a report that cannot be written should not first copy a remote site.
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            throw new SwarmException(
                "ReportDirectoryNotFound",
                $"The folder of '{path}' does not exist.",
                "Create the folder first, or pass a -Path in an existing one.",
                SwarmErrorCategory.ObjectNotFound,
                path);
        }

        if (remote.Count > 0)
        {
            OwnerOnly.CreateDirectory(options.MirrorRoot);
        }

        // Its own control folder: a dashboard of the same run may be mirroring the same sites right now.
        var control = DashboardOptions.ControlDirectory(options.MirrorRoot, options.RunId, "report");
        var mirrors = DashboardSources.Mirrors(remote, options.RunId, control);
        try
        {
            foreach (var mirror in mirrors.Values)
            {
                progress?.Report($"Mirroring {mirror.Site} over SSH");
                for (var poll = 0; poll < MaxPollsPerSite; poll++)
                {
                    if (!(await mirror.PollAsync(cancellationToken).ConfigureAwait(false)).MorePending)
                    {
                        break;
                    }
                }
            }

            var run = new DashboardRun(options.RunId, sources, mirrors);
            run.Refresh();
            DashboardSources.EnsureFound(run, sources, mirrors.Values);

            var snapshot = run.Snapshot();
            AtomicFile.Write(path, stream => DashboardPage.WriteReport(stream, snapshot, DateTimeOffset.UtcNow), bufferSize: 1 << 16);
            return snapshot;
        }
        finally
        {
            foreach (var mirror in mirrors.Values)
            {
                await mirror.DisposeAsync().ConfigureAwait(false);
            }

            DashboardOptions.RemoveControlDirectory(control);
        }
    }
}
