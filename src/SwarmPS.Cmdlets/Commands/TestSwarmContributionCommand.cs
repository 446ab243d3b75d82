using System.Management.Automation;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Test-SwarmContribution: the coordinator's verdict on each contribution (Accepted, Rejected or
/// ReplayRequired, with every check), filed in the run's record and recorded in the ledger.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "SwarmContribution", DefaultParameterSetName = ArrivedSet)]
[OutputType(typeof(ContributionVerdict))]
public sealed class TestSwarmContributionCommand : RepositoryCmdlet
{
    private const string ArrivedSet = "Arrived";
    private const string PathSet = "Path";

    private readonly HashSet<string> _replaysUsed = new(StringComparer.Ordinal);
    private ContributionInbox? _inbox;
    private ReviewOptions? _options;

    /// <summary>A contribution from Get-SwarmContribution.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ArrivedSet)]
    public ArrivedContribution? InputObject { get; set; }

    /// <summary>Contribution directories on this machine (manifest.json and adapter.safetensors, as a trainer writes them).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The run's plan; needed the first time, then the run keeps it.</summary>
    [Parameter]
    public TrainingPlan? Plan { get; set; }

    /// <summary>Replay every contribution tested, not only those the plan's sample picks.</summary>
    [Parameter]
    public SwitchParameter Replay { get; set; }

    /// <summary>Replays the coordinator trained: trainer output directories, each for the contribution its manifest names.</summary>
    [Parameter]
    public string[] ReplayPath { get; set; } = Array.Empty<string>();

    /// <summary>The folder holding the plan's shards as &lt;shard&gt;.txt: with it, contributions that need a replay are replayed here on dotnet.cpu.</summary>
    [Parameter]
    public string? DataDirectory { get; set; }

    /// <summary>The exchange the contributions arrived on; default SWARM_EXCHANGE_URL.</summary>
    [Parameter(ParameterSetName = ArrivedSet)]
    public string? ExchangeUrl { get; set; }

    protected override void BeginProcessing() => Run(() =>
    {
        _options = new ReviewOptions
        {
            Replay = Replay,
            Replays = ReplayPath.Select(path => ReplayRun.Load(ResolvePath(path))).ToList(),
            DataDirectory = DataDirectory is null ? null : ResolvePath(DataDirectory),
            Trainer = DataDirectory is null ? null : ModuleTrainer.DotnetCpu(),
        };
    });

    protected override void ProcessRecord() => Run(() =>
    {
        var repository = ResolveRepository().Root;
        if (ParameterSetName == ArrivedSet)
        {
            RunForItem(() =>
            {
                _inbox ??= new ContributionInbox(ExchangeConnection.FromEnvironment(ExchangeUrl));
                Write(Await(_ => ContributionReview.ReviewArrivedAsync(repository, Plan, InputObject!, _inbox, _options!, StopToken)));
            });
            return;
        }

        foreach (var directory in Path)
        {
            RunForItem(() => Write(Await(_ => ContributionReview.ReviewLocalAsync(repository, Plan, ResolvePath(directory), _options!, StopToken))));
        }
    });

    protected override void EndProcessing() => Run(() =>
    {
        foreach (var replay in _options!.Replays.Where(replay => !_replaysUsed.Contains(replay.Directory)))
        {
            WriteWarning($"The replay in {replay.Directory} is of {replay.Manifest.Contributor} in run {replay.Manifest.RunId}, which was not among the contributions tested; it was not used.");
        }
    });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inbox?.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Write(ReviewOutcome outcome)
    {
        foreach (var note in outcome.Notes)
        {
            WriteWarning(note);
        }

        if (outcome.ReplayUsed is not null)
        {
            _replaysUsed.Add(outcome.ReplayUsed.Directory);
        }

        WriteObject(outcome.Verdict);
    }
}
