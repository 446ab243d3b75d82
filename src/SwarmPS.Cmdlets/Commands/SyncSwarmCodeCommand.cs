using System.Globalization;
using System.Management.Automation;
using SwarmPS.Engine.CodeSync;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Sync-SwarmCode: ships the experiment's code (what git would commit, minus -Exclude) to
/// &lt;runRoot&gt;/code/&lt;name&gt;/ on a site, and skips when the site already holds the same tree.
/// </summary>
[Cmdlet(VerbsData.Sync, "SwarmCode", SupportsShouldProcess = true)]
[OutputType(typeof(CodeSyncResult))]
public sealed class SyncSwarmCodeCommand : SwarmCmdlet
{
    private const int ActivityId = 0x5C0D;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Site { get; set; } = Array.Empty<string>();

    /// <summary>The experiment's folder; the current location by default.</summary>
    [Parameter]
    public string Path { get; set; } = ".";

    [Parameter]
    public string[] Exclude { get; set; } = Array.Empty<string>();

    /// <summary>The folder under &lt;runRoot&gt;/code/ (-Name is the site, as for Get-SwarmSite's output).</summary>
    [Parameter]
    public string? CodeName { get; set; }

    [Parameter]
    [ValidateSet(CodeTransport.Auto, CodeTransport.Rsync, CodeTransport.Tar)]
    public string Transport { get; set; } = CodeTransport.Auto;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var root = GetUnresolvedProviderPathFromPSPath(Path);
        foreach (var name in Site)
        {
            RunForItem(() =>
            {
                var request = new CodeSyncRequest
                {
                    Site = SiteCatalog.Default.Get(name),
                    Path = root,
                    Exclude = Exclude,
                    Name = CodeName,
                    Force = Force.IsPresent,
                    Transport = Transport,
                };
                WriteProgress(new ProgressRecord(ActivityId, "Sync-SwarmCode", $"Hashing {root} for site {name}"));
                var plan = Await(_ => CodeShipper.PlanAsync(request, StopToken));
                var what = string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} file(s), {1} bytes, tree {2}, to {3} on site {4} by {5}",
                    plan.Manifest.Files.Count, plan.Manifest.Bytes, plan.Manifest.TreeHash, plan.Destination, name, plan.Transport);
                if (!ShouldProcess(what, plan.Skips ? "Sync code (unchanged on the site: skip)" : "Ship code"))
                {
                    return;
                }

                WriteProgress(new ProgressRecord(ActivityId, "Sync-SwarmCode", plan.Skips ? $"Site {name} holds this tree" : $"Shipping to site {name}"));
                WriteObject(Await(_ => CodeShipper.ShipAsync(plan, StopToken)));
            });
        }
    });

    protected override void EndProcessing() => Run(() =>
        WriteProgress(new ProgressRecord(ActivityId, "Sync-SwarmCode", "Done") { RecordType = ProgressRecordType.Completed }));
}
