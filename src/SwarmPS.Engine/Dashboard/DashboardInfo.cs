namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// A running dashboard, as Start-SwarmDashboard returns it: the URL to open (with its token: treat it as a
/// password), the port it took, the server's pid and each site's state when it became ready.
/// </summary>
public sealed record DashboardInfo(string RunId, Uri Url, int Port, int RequestedPort, int Pid, IReadOnlyList<DashboardSiteSummary> Sites, string MirrorRoot)
{
    public static DashboardInfo From(DashboardRecord record) =>
        new(record.RunId, record.UrlWithToken, record.Port, record.RequestedPort, record.Pid, record.Sites, record.MirrorRoot);

    /// <summary>The one-line site list of the page's header: "alpha (1 agent / 12 messages) · beta (...)".</summary>
    public string SitesLine => string.Join(" · ", Sites.Select(site =>
        $"{site.Name} ({site.Agents} agent{(site.Agents == 1 ? "" : "s")} / {site.Messages} message{(site.Messages == 1 ? "" : "s")}){(site.Up ? "" : $" {site.State}")}"));
}
