using System.Management.Automation;
using SwarmPS.Engine.Intents;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Save-SwarmIntent: writes what a campaign sets out to do next to its task set, as
/// <c>&lt;Name&gt;.intent.json</c> in -Path (default: the current directory, where Submit-SwarmJob records
/// the campaign's runs), for Find-SwarmIntent to recall later (docs/intents.md).
/// </summary>
[Cmdlet(VerbsData.Save, "SwarmIntent", SupportsShouldProcess = true)]
[OutputType(typeof(CampaignIntent))]
public sealed class SaveSwarmIntentCommand : SwarmCmdlet
{
    /// <summary>The campaign's task set, as New-SwarmTaskSet made it.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public TaskSet TaskSet { get; set; } = null!;

    /// <summary>The campaign's name: the file is &lt;Name&gt;.intent.json.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string Goal { get; set; } = "";

    /// <summary>A short label to query by: train, eval, ablation.</summary>
    [Parameter]
    public string? TaskKind { get; set; }

    /// <summary>The command every task runs, as given to Submit-SwarmJob -Command: the link to the ledger's runs.</summary>
    [Parameter]
    public string[] Command { get; set; } = [];

    /// <summary>What generated the task set (a script's name); New-SwarmTaskSet by default.</summary>
    [Parameter]
    public string? Generator { get; set; }

    /// <summary>Limits such as '500 core-hours', '12 wall-hours'.</summary>
    [Parameter]
    public string[] Budget { get; set; } = [];

    /// <summary>Conditions on which the campaign is to be stopped, in words.</summary>
    [Parameter]
    public string[] AbortWhen { get; set; } = [];

    [Parameter]
    public string? Site { get; set; }

    [Parameter]
    public string? Notes { get; set; }

    /// <summary>The directory the intent goes in, or the file itself (ending in .intent.json).</summary>
    [Parameter]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        var target = GetUnresolvedProviderPathFromPSPath(Path ?? ".");
        var file = target.EndsWith(IntentFile.Suffix, StringComparison.Ordinal) && !Directory.Exists(target)
            ? target
            : IntentFile.PathIn(target, Name);
        var intent = IntentComposer.Compose(TaskSet, new IntentRequest
        {
            Name = Name,
            Goal = Goal,
            TaskKind = TaskKind,
            Generator = Generator ?? IntentRequest.DefaultGenerator,
            Command = Command,
            Budget = Budget,
            AbortWhen = AbortWhen,
            Site = Site,
            Notes = Notes,
        }, System.IO.Path.GetDirectoryName(file)!);

        if (ShouldProcess(file, $"Save the intent of campaign '{Name}' ({TaskSet.Count} tasks)"))
        {
            WriteObject(IntentFile.Write(file, intent, Force));
        }
    });
}
