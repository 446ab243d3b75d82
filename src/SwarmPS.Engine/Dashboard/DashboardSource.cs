namespace SwarmPS.Engine.Dashboard;

/// <summary>Where a dashboard reads a site from: its run directory here, a mirror of a remote one, or a path the operator gave.</summary>
public enum DashboardSourceKind
{
    /// <summary>A site on this machine, read in place: &lt;runRoot&gt;/&lt;runId&gt;/&lt;site&gt;/.</summary>
    Local,

    /// <summary>A remote site's directory, copied here over SSH by a <see cref="SiteMirror"/>.</summary>
    Mirror,

    /// <summary>A run or site directory passed with -Path, read in place; its sites are found by its layout.</summary>
    Path,
}

/// <summary>
/// One directory a dashboard reads. <see cref="Site"/> is the site's name when the source is one site
/// (a local or mirrored site); null for a -Path directory, whose sites are found by its layout each time it
/// is read (<see cref="DashboardLayout"/>), so a site that appears later is picked up.
/// </summary>
public sealed record DashboardSource(DashboardSourceKind Kind, string Directory, string? Site);
