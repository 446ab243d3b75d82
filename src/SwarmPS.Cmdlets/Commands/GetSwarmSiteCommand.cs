using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmSite: the sites SwarmPS knows (built-in templates and the user's own profiles).</summary>
[Cmdlet(VerbsCommon.Get, "SwarmSite")]
[OutputType(typeof(SiteEntry))]
public sealed class GetSwarmSiteCommand : SwarmCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Site")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Name { get; set; } = { "*" };

    protected override void ProcessRecord() => Run(() =>
    {
        var catalog = SiteCatalog.Default;
        foreach (var pattern in Name)
        {
            RunForItem(() =>
            {
                var matches = catalog.List(pattern);
                if (matches.Count == 0 && !NameGlob.Parse(pattern).HasWildcards)
                {
                    catalog.Get(pattern); // raises SiteNotFound with the nearest name and where to add one
                }

                WriteObject(matches, enumerateCollection: true);
            });
        }
    });
}
