using SwarmPS.Engine.Events;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>Get-SwarmEvent -RunId -Site: the events of remote sites' launches, read over SSH and merged in time order, once or followed.</summary>
public static class RemoteEvents
{
    public static async Task<IReadOnlyList<SwarmEvent>> ReadAsync(
        SiteCatalog catalog, string runId, IReadOnlyCollection<string> sites, EventFilter filter, CancellationToken cancellationToken)
    {
        var all = new List<SwarmEvent>();
        foreach (var site in RemoteSitesAmong(catalog, runId, sites))
        {
            all.AddRange(await RemoteSiteRun.ReadEventsAsync(site, runId, SiteBlind(filter), cancellationToken).ConfigureAwait(false));
        }

        return all.OrderBy(e => e.Timestamp).ToList();
    }

    /// <summary>
    /// The events so far, then new ones as the remote sites write them, until every site has ended (a final
    /// state, or its launcher gone) or <paramref name="cancellationToken"/> is cancelled. The sites are checked
    /// here, before anything is read, so a bad -Site is an error and not an empty follow.
    /// </summary>
    public static IAsyncEnumerable<SwarmEvent> Follow(
        SiteCatalog catalog, string runId, IReadOnlyCollection<string> sites, EventFilter filter, TimeSpan pollInterval,
        Action<string>? unreadableLine, CancellationToken cancellationToken) =>
        RemoteEventFollow.FollowAsync(RemoteSitesAmong(catalog, runId, sites), runId, SiteBlind(filter), pollInterval, unreadableLine, cancellationToken);

    // The -Site filter's names are the remote sites themselves: each site's events pass it.
    private static EventFilter SiteBlind(EventFilter filter) => filter with { Sites = Array.Empty<string>() };

    private static IReadOnlyList<SiteProfile> RemoteSitesAmong(SiteCatalog catalog, string runId, IReadOnlyCollection<string> sites)
    {
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

        return remote;
    }
}
