using System.Management.Automation;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Test-SwarmSite: probes each step a launch needs on a site and returns one check per step.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmSite")]
[OutputType(typeof(PreflightCheck))]
public sealed class TestSwarmSiteCommand : SwarmCmdlet
{
    private const int ActivityId = 0x5157;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Site")]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Re-probe even when a fully green result from the last 24 hours is cached.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly SitePreflight _preflight = new(SchedulerAdapters.RequiredCommands);

    protected override void ProcessRecord() => Run(() =>
    {
        foreach (var name in Name)
        {
            RunForItem(() =>
            {
                var site = SiteCatalog.Default.Get(name);
                var checks = Await(writer => _preflight.RunAsync(
                    site,
                    Force.IsPresent,
                    writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, "Test-SwarmSite", step))),
                    StopToken));
                WriteObject(checks, enumerateCollection: true);
            });
        }
    });

    protected override void EndProcessing() => Run(() =>
        WriteProgress(new ProgressRecord(ActivityId, "Test-SwarmSite", "Done") { RecordType = ProgressRecordType.Completed }));
}
