using System.Management.Automation;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Get-SwarmTrainingStatus: each contributor of a live training run as its coordinator sees it (state, step,
/// loss, last heartbeat, stale flag, verdict), with the run's phase on every line.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SwarmTrainingStatus")]
[OutputType(typeof(TrainingContributorStatus))]
public sealed class GetSwarmTrainingStatusCommand : SwarmCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    /// <summary>The coordinator's site; default every site of this machine that has the run.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[]? Site { get; set; }

    protected override void ProcessRecord() => Run(() => RunForItem(() =>
    {
        var status = TrainingStatusLookup.Read(SiteCatalog.Default, RunId, Site);
        WriteObject(status.Contributors, enumerateCollection: true);
    }));
}
