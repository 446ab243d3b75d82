using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>Finds a live run's status: the document its coordinator keeps in its site directory on this machine.</summary>
public static class TrainingStatusLookup
{
    public static TrainingRunStatus Read(SiteCatalog catalog, string runId, IReadOnlyCollection<string>? sites)
    {
        var layouts = RunLocator.FindHere(catalog, runId, sites);
        foreach (var layout in layouts)
        {
            if (TrainingRunStatus.TryRead(layout.SiteDirectory) is { } status)
            {
                return status;
            }
        }

        throw new SwarmException("TrainingStatusNotFound",
            $"Run '{runId}' has sites here ({string.Join(", ", layouts.Select(l => l.Site))}), and none holds a training status: the coordinator has not written one yet, or runs on another machine.",
            "Ask again in a moment if the coordinator's site was just started; otherwise run this on the coordinator's machine (-Site names its site).",
            SwarmErrorCategory.ObjectNotFound, runId);
    }
}
