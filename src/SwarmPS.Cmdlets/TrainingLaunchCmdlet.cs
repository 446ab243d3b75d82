using System.Collections;
using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.LiveTraining;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the cmdlets that start a live training run's sites (Start-SwarmTraining, Invoke-SwarmFailureDrill):
/// the plan from the pipeline, where the shards are, the trainers, and the coordinator's held-out data and
/// destinations; relative paths resolve against the PowerShell location, which is also the roles' working
/// directory (on the coordinator's site, the experiment repository).
/// </summary>
public abstract class TrainingLaunchCmdlet : ExchangeClientCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TrainingPlan? Plan { get; set; }

    /// <summary>The folder holding the shards as &lt;shard&gt;.txt.</summary>
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

    /// <summary>What the engine needs to start <paramref name="site"/> (null: the plan's only site) of run <paramref name="runId"/>.</summary>
    protected TrainingLaunchRequest Request(string runId, string? site) => new()
    {
        Plan = Plan!,
        RunId = runId,
        Site = site,
        ExchangeUrl = ExchangeUrl,
        WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
        SiteHostDirectory = ModuleTrainer.SiteHostDirectory,
        DataDirectory = ResolvePath(DataPath),
        Trainers = Trainers(),
        HeldOutPath = HeldOutPath is null ? null : ResolvePath(HeldOutPath),
        Destination = Destination is null ? null : ResolvePath(Destination),
        EvidencePath = EvidencePath is null ? null : ResolvePath(EvidencePath),
    };

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
