using System.Management.Automation;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Import-SwarmSignacProject: records every job of a signac project as the run of the same id in a repository
/// whose ids follow the signac scheme, and promotes the terminal ones to the ledger. The whole plan is made
/// first, so -WhatIf shows every count and finding before anything is written.
/// </summary>
[Cmdlet(VerbsData.Import, "SwarmSignacProject", SupportsShouldProcess = true)]
[OutputType(typeof(SignacImportResult))]
public sealed class ImportSwarmSignacProjectCommand : RepositoryCmdlet
{
    private const int ActivityId = 6101;
    private const string Activity = "Import-SwarmSignacProject";

    /// <summary>The signac project's root directory, the one holding workspace/.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Project")]
    public string Path { get; set; } = "";

    protected override void ProcessRecord() => Run(() =>
    {
        var repository = ResolveRepository();
        var project = ResolvePath(Path);
        var plan = Await(writer => Task.Run(() => SignacImporter.Plan(repository.Root, project, writer.Progress<(int Done, int Total)>(p =>
            Progress($"Reading workspace/: {p.Done} of {p.Total} entries", p.Done, p.Total)), StopToken), StopToken));

        // Findings first: under -WhatIf they are what the operator fixes before the real import.
        foreach (var finding in plan.Findings)
        {
            WriteWarning(LedgerWarning.Text(finding));
        }

        if (!ShouldProcess($"{project} -> {repository.Root}", plan.Summary))
        {
            Completed();
            return;
        }

        var result = Await(writer => Task.Run(() => SignacImporter.Apply(plan, null, writer.Progress<(int Done, int Total)>(p =>
            Progress($"Recording runs: {p.Done} of {p.Total}", p.Done, p.Total)), StopToken), StopToken));
        Completed();

        // The plan's findings are written already; only those the import itself found are new.
        foreach (var finding in result.Findings.Skip(plan.Findings.Count))
        {
            WriteWarning(LedgerWarning.Text(finding));
        }

        WriteObject(result);
    });

    private void Progress(string status, int done, int total) => WriteProgress(new ProgressRecord(ActivityId, Activity, status)
    {
        PercentComplete = total == 0 ? 100 : done * 100 / total,
    });

    private void Completed() => WriteProgress(new ProgressRecord(ActivityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
}
