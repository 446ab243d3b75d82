using System.Management.Automation;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmCampaign: checks a campaign (object or file) and returns its findings.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmCampaign", DefaultParameterSetName = CampaignSet)]
[OutputType(typeof(CampaignFinding))]
public sealed class TestSwarmCampaignCommand : SwarmCmdlet
{
    private const string CampaignSet = "Campaign";
    private const string PathSet = "Path";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = CampaignSet)]
    [Alias("InputObject")]
    public Campaign? Campaign { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("FullName", "PSPath")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The file holds one site's part of a campaign: peers and the initial agent may live elsewhere.</summary>
    [Parameter]
    public SwitchParameter Federated { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var sites = SiteCatalog.Default.Names;
        if (ParameterSetName == PathSet)
        {
            foreach (var path in Path)
            {
                RunForItem(() => WriteObject(
                    CampaignValidator.ValidateFile(GetUnresolvedProviderPathFromPSPath(path), sites, Federated), enumerateCollection: true));
            }

            return;
        }

        RunForItem(() => WriteObject(CampaignValidator.Validate(Campaign!, sites, Federated), enumerateCollection: true));
    });
}
