using System.Management.Automation;
using SwarmPS.Engine;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Intents;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Find-SwarmIntent: the campaign intents saved under -Root (default: intent_roots in the user's
/// config.yaml), most recent first; with -Rollup one summary of what they took, from observed values only.
/// </summary>
[Cmdlet(VerbsCommon.Find, "SwarmIntent")]
[OutputType(typeof(CampaignIntent), typeof(IntentRollup))]
public sealed class FindSwarmIntentCommand : SwarmCmdlet
{
    /// <summary>Directories to search (their subdirectories too, a few levels deep).</summary>
    [Parameter(Position = 0)]
    public string[]? Root { get; set; }

    [Parameter]
    public string? TaskKind { get; set; }

    /// <summary>The campaign name, wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    public string? Name { get; set; }

    /// <summary>Return one rollup of the campaigns found instead of the campaigns.</summary>
    [Parameter]
    public SwitchParameter Rollup { get; set; }

    protected override void EndProcessing() => Run(() =>
    {
        var found = IntentSearch.Find(Roots(), TaskKind, Name);
        foreach (var skipped in found.Skipped)
        {
            WriteWarning($"{skipped.ErrorId}: {skipped.Message}");
        }

        if (!Rollup)
        {
            WriteObject(found.Intents, enumerateCollection: true);
            return;
        }

        var runs = IntentRuns.Find(found.Intents);
        foreach (var note in runs.Notes)
        {
            WriteWarning(note);
        }

        WriteObject(IntentRollup.Of(found.Intents, runs.RunsByIntent));
    });

    private IReadOnlyList<string> Roots()
    {
        if (Root is { Length: > 0 })
        {
            return Root.Select(GetUnresolvedProviderPathFromPSPath).ToList();
        }

        var config = UserConfig.Load();
        return config.IntentRoots.Count > 0
            ? config.IntentRoots
            : throw new SwarmException(
                "IntentRootsMissing",
                $"No -Root was given and '{config.Path}' sets no '{UserConfig.IntentRootsKey}'.",
                $"Pass -Root <directory>, or list the directories to search under '{UserConfig.IntentRootsKey}:' in {config.Path}.",
                SwarmErrorCategory.InvalidArgument,
                config.Path);
    }
}
