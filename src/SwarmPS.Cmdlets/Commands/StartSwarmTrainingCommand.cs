using System.Collections;
using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Start-SwarmTraining: starts this site's roles of a training plan (the coordinator, its contributors, or
/// both) as a detached site of the campaign derived from the plan, and returns once they are registered.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SwarmTraining", SupportsShouldProcess = true)]
[OutputType(typeof(SiteStatus))]
public sealed class StartSwarmTrainingCommand : ExchangeClientCmdlet
{
    private const int ActivityId = 0x7A11;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TrainingPlan? Plan { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    /// <summary>This site: one of the plan's sites; may be left out when the plan has roles on one site only.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string? Site { get; set; }

    /// <summary>The folder holding this site's shards as &lt;shard&gt;.txt.</summary>
    [Parameter(Mandatory = true)]
    public string DataPath { get; set; } = "";

    /// <summary>Coordinator's site: the held-out data the merged adapter is evaluated on.</summary>
    [Parameter]
    public string? HeldOutPath { get; set; }

    /// <summary>Coordinator's site: where the snapshot is published; default ./snapshots/&lt;run id&gt;.</summary>
    [Parameter]
    public string? Destination { get; set; }

    /// <summary>Coordinator's site: where the evidence bundle is exported; default ./evidence/&lt;run id&gt;.</summary>
    [Parameter]
    public string? EvidencePath { get; set; }

    /// <summary>Trainers by backend label, each a program and its arguments: @{ 'pytorch.cpu' = @('/usr/bin/python3', './train.py') }.</summary>
    [Parameter]
    public Hashtable? Trainer { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var request = new TrainingLaunchRequest
        {
            Plan = Plan!,
            RunId = RunId,
            Site = Site,
            ExchangeUrl = ExchangeUrl,
            WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            SiteHostDirectory = ModuleTrainer.SiteHostDirectory,
            DataDirectory = ResolvePath(DataPath),
            Trainers = Trainers(),
            HeldOutPath = HeldOutPath is null ? null : ResolvePath(HeldOutPath),
            Destination = Destination is null ? null : ResolvePath(Destination),
            EvidencePath = EvidencePath is null ? null : ResolvePath(EvidencePath),
        };
        if (!ShouldProcess($"site {Site ?? "(the plan's only site)"}: the roles of plan {Plan!.Digest} for run {RunId}", "Start training"))
        {
            return;
        }

        var activity = $"Start-SwarmTraining {RunId}";
        try
        {
            WriteObject(Await(writer => TrainingSiteLaunch.StartAsync(request, SiteCatalog.Default, Client,
                writer.Progress<string>(step => WriteProgress(new ProgressRecord(ActivityId, activity, step))), StopToken)));
        }
        finally
        {
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    });

    private string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>The module's trainers, with -Trainer's entries over them.</summary>
    private Dictionary<string, IReadOnlyList<string>> Trainers()
    {
        var trainers = ModuleTrainer.Defaults();
        foreach (DictionaryEntry entry in Trainer ?? new Hashtable())
        {
            var command = LanguagePrimitives.ConvertTo<string[]>(entry.Value);
            if (command.Length == 0 || command.Any(string.IsNullOrEmpty))
            {
                throw new SwarmException("TrainerCommandInvalid",
                    $"-Trainer gives backend '{entry.Key}' an empty program or argument.",
                    "Give each backend a program and its arguments: @{ 'pytorch.cpu' = @('/usr/bin/python3', '/path/to/train.py') }.",
                    SwarmErrorCategory.InvalidArgument, entry.Key?.ToString());
            }

            trainers[entry.Key.ToString()!] = command;
        }

        return trainers;
    }
}
