using SwarmPS.Engine.Events;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>Get-SwarmEvent -RunId -Site: the events of remote sites' launches, read over SSH and merged in time order.</summary>
public static class RemoteEvents
{
    public static async Task<IReadOnlyList<SwarmEvent>> ReadAsync(
        SiteCatalog catalog, string runId, IReadOnlyCollection<string> sites, EventFilter filter, bool follow, CancellationToken cancellationToken)
    {
        if (follow)
        {
            throw new SwarmException(
                "RemoteFollowNotSupported",
                "Get-SwarmEvent -Follow reads run directories on this machine; a remote site's events are read over SSH once per call.",
                "Call Get-SwarmEvent -RunId <id> -Site <remote> again (with -Since) to see newer events, or run Get-SwarmEvent -Follow on the site's login host.",
                SwarmErrorCategory.InvalidArgument,
                runId);
        }

        var remote = RunLocator.RemoteSites(catalog, sites);
        if (remote.Count == 0)
        {
            throw new SwarmException(
                "RemoteSiteRequired",
                $"-RunId reads the events of remote sites, and none of the sites given ({string.Join(", ", sites)}) is reached over SSH.",
                "Name a remote site with -Site, or read this machine's run directories with Get-SwarmEvent -Path <runRoot>/<runId>.",
                SwarmErrorCategory.InvalidArgument,
                runId);
        }

        var all = new List<SwarmEvent>();
        foreach (var site in remote)
        {
            // The -Site filter's names are the remote sites themselves: each site's events pass it.
            all.AddRange(await RemoteSiteRun.ReadEventsAsync(site, runId, filter with { Sites = Array.Empty<string>() }, cancellationToken).ConfigureAwait(false));
        }

        return all.OrderBy(e => e.Timestamp).ToList();
    }
}
