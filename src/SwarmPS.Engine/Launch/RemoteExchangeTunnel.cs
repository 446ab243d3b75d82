using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The reverse tunnel of one remote site's launch (profile key exchange_tunnel: true): opened by
/// Start-SwarmSite before the remote launcher starts, so the launcher and its agents get the tunnel's URL
/// (the exchange as the login host sees it) instead of the operator's, which the far side cannot reach.
/// Its record lives on the operator's machine, per run and site, under
/// $XDG_STATE_HOME/swarmps/tunnels/&lt;run&gt;/&lt;site&gt; (default ~/.local/state), where Stop-SwarmSite finds it.
/// The tunnel's ssh runs in a session of its own (<see cref="ReverseTunnel"/>), so it outlives the
/// Start-SwarmSite call and the pwsh session that made it, as the remote site does; Stop-SwarmSite ends it.
/// A launch that fails or is cancelled closes it on dispose; a successful one keeps it (<see cref="Keep{T}"/>).
/// </summary>
public sealed class RemoteExchangeTunnel : IAsyncDisposable
{
    private static readonly RemoteExchangeTunnel None = new(null);

    private readonly ReverseTunnel? _tunnel;
    private bool _kept;

    private RemoteExchangeTunnel(ReverseTunnel? tunnel) => _tunnel = tunnel;

    /// <summary>The open tunnel; null when the site's profile does not ask for one.</summary>
    public ReverseTunnel? Tunnel => _tunnel;

    /// <summary>$XDG_STATE_HOME/swarmps/tunnels (default ~/.local/state/swarmps/tunnels) on this machine.</summary>
    public static string RootDirectory() =>
        Path.Combine(Files.UserDirectories.State(), "tunnels");

    /// <summary>Where the tunnel records of one site of one run live; the run id is validated first (it becomes a path).</summary>
    public static string RecordDirectory(string runId, string site) =>
        Path.Combine(RootDirectory(), Campaigns.CampaignRunId.Validate(runId), SiteName.IsValid(site) ? site : throw new ArgumentException(SiteName.Rule, nameof(site)));

    /// <summary>
    /// Opens the site's tunnel to <paramref name="exchangeUrl"/> when its profile asks for one. Call it only once
    /// no launcher of this run and site lives there: it first ends the tunnels a killed opener left behind
    /// (CleanStale), which a live remote site started from an ended pwsh session would otherwise lose.
    /// </summary>
    public static async Task<RemoteExchangeTunnel> OpenAsync(
        SiteProfile site, string runId, Uri exchangeUrl, IProgress<string>? waiting, CancellationToken cancellationToken)
    {
        if (!site.ExchangeTunnel)
        {
            return None;
        }

        var records = RecordDirectory(runId, site.Name);
        await ReverseTunnelCleaner.CleanStaleAsync(records, cancellationToken).ConfigureAwait(false);
        waiting?.Report($"opening the exchange tunnel through {site.LoginHost}");
        var tunnel = await ReverseTunnel.OpenForSiteAsync(site, exchangeUrl, records, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new RemoteExchangeTunnel(tunnel);
    }

    /// <summary>The exchange URL the far side is given: the tunnel's when there is one, else <paramref name="direct"/>.</summary>
    public string ExchangeUrlFor(string direct) => _tunnel?.Url.ToString() ?? direct;

    /// <summary>The launch succeeded: the tunnel stays open for the running site (until Stop-SwarmSite).</summary>
    public T Keep<T>(T result)
    {
        _kept = true;
        return result;
    }

    /// <summary>Closes the tunnel unless the launch kept it; never on the caller's (perhaps cancelled) token.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_tunnel is not null && !_kept)
        {
            await _tunnel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            RemoveEmpty(_tunnel.RecordDirectory);
        }
    }

    /// <summary>Ends every tunnel of this run and site (also those of a killed opener); returns what was removed.</summary>
    public static async Task<IReadOnlyList<ReverseTunnelRecord>> CloseAllAsync(string runId, string site, CancellationToken cancellationToken)
    {
        var records = RecordDirectory(runId, site);
        var closed = await ReverseTunnelCleaner.CloseAllAsync(records, cancellationToken).ConfigureAwait(false);
        RemoveEmpty(records);
        return closed;
    }

    /// <summary>
    /// The operator-side exchange URL of a tunnelled site's run (the local end of its tunnel), for what
    /// Stop-SwarmSite does from here; null when no tunnel of it is recorded. The site's status names the
    /// tunnel's URL, which is the login host's loopback, not this machine's: a token is never sent there.
    /// </summary>
    public static string? OperatorExchangeUrl(string runId, string site) =>
        ReverseTunnelRecord.ReadAll(RecordDirectory(runId, site)).Select(entry => entry.Record.LocalUrl).FirstOrDefault(url => url is not null);

    /// <summary>The site's folder, then the run's, once they hold nothing: a stopped run leaves no trace here.</summary>
    private static void RemoveEmpty(string records)
    {
        foreach (var directory in new[] { records, Path.GetDirectoryName(records)! })
        {
            try
            {
                if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    Directory.Delete(directory);
                }
            }
            catch (IOException)
            {
                // Another site of the run wrote its record meanwhile: its folder stays.
            }
        }
    }
}
