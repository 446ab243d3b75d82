using System.Management.Automation;
using SwarmPS.Engine.Dashboard;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Export-SwarmReport: the dashboard's view of a run as one self-contained HTML file (no server, no network), for a ticket or a paper.</summary>
[Cmdlet(VerbsData.Export, "SwarmReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportSwarmReportCommand : SwarmCmdlet
{
    private const int ActivityId = 0xDA6;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    /// <summary>The HTML file to write (replaced whole if it exists).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Path { get; set; } = "";

    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Site { get; set; } = Array.Empty<string>();

    /// <summary>Run directories (or site directories) read in place, as Start-SwarmDashboard -Path takes them.</summary>
    [Parameter]
    public string[] RunDirectory { get; set; } = Array.Empty<string>();

    [Parameter]
    public string? MirrorRoot { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var output = GetUnresolvedProviderPathFromPSPath(Path);
        var options = new DashboardOptions
        {
            RunId = RunId,
            Sites = Site,
            Paths = RunDirectory.Select(path => GetUnresolvedProviderPathFromPSPath(path)).ToList(),
            MirrorRoot = MirrorRoot is null ? DashboardOptions.DefaultMirrorRoot() : GetUnresolvedProviderPathFromPSPath(MirrorRoot),
        };
        if (!ShouldProcess(output, $"Export the report of run {RunId}"))
        {
            return;
        }

        var activity = $"Exporting the report of run {RunId}";
        var snapshot = Await(writer => DashboardReport.ExportAsync(
            SiteCatalog.Default, options, output, writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))), StopToken));
        WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        foreach (var warning in snapshot.Warnings)
        {
            WriteWarning(warning);
        }

        WriteObject(new FileInfo(output));
    });
}
