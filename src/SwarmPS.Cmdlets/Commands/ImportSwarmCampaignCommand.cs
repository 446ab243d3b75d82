using System.Management.Automation;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Cmdlets;

/// <summary>Import-SwarmCampaign: reads campaign files (YAML, JSON, JSON with comments) into campaign objects.</summary>
[Cmdlet(VerbsData.Import, "SwarmCampaign")]
[OutputType(typeof(Campaign))]
public sealed class ImportSwarmCampaignCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var path in Path)
        {
            // Relative paths follow the PowerShell location (Set-Location), not the process directory;
            // provider paths from Get-ChildItem (PSPath) are resolved the same way.
            RunForItem(() => WriteObject(CampaignLoader.Load(GetUnresolvedProviderPathFromPSPath(path))));
        }
    });
}
