using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>What Start-SwarmTraining is asked: which site of which plan's run to start, with what data, trainers and (for the coordinator) destinations.</summary>
public sealed record TrainingLaunchRequest
{
    public required TrainingPlan Plan { get; init; }

    public required string RunId { get; init; }

    /// <summary>The site to start; null when the plan has roles on one site only.</summary>
    public string? Site { get; init; }

    public string? ExchangeUrl { get; init; }

    /// <summary>The roles' working directory; on the coordinator's site, the ledger repository.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The module's site host folder (<c>bin/site-host</c>): the launcher and the role host.</summary>
    public required string SiteHostDirectory { get; init; }

    /// <summary>The folder holding this site's shards as <c>&lt;shard&gt;.txt</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The trainer of each backend label: program, then arguments (the job file is appended).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Trainers { get; init; }

    /// <summary>Coordinator only: the held-out data file.</summary>
    public string? HeldOutPath { get; init; }

    /// <summary>Coordinator only: where the snapshot is published.</summary>
    public string? Destination { get; init; }

    /// <summary>Coordinator only: where the evidence bundle goes.</summary>
    public string? EvidencePath { get; init; }

    /// <summary>Drills planted in this site's contributors (Invoke-SwarmFailureDrill).</summary>
    public IReadOnlyDictionary<string, string> Drills { get; init; } = new Dictionary<string, string>();
}
