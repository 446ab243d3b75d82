using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The one place cmdlets learn which site names exist, so campaign validation stays free of the site
/// catalog's loading (and testable with any list of names).
/// </summary>
internal static class KnownSites
{
    internal static IReadOnlyList<string> Names() => SiteCatalog.Default.Names;
}
