namespace SwarmPS.Engine.Training;

/// <summary>
/// A replay the coordinator trained: a trainer's output directory (manifest and adapter, as
/// docs/trainer-contract.md writes them) for the same run and contributor, seed, shard and steps as the
/// contribution it checks. Its manifest says which contribution it replays and which backend made it, so
/// a replay can never be applied to another contribution than its own.
/// </summary>
public sealed record ReplayRun(string Directory, ContributionManifest Manifest, string AdapterPath)
{
    public static ReplayRun Load(string directory)
    {
        var (manifest, _) = ContributionFiles.ReadManifest(directory);
        return new ReplayRun(Path.GetFullPath(directory), manifest, ContributionFiles.AdapterOf(directory));
    }

    /// <summary>This replay, if it trained what the contribution says it trained; else <c>ReplayNotComparable</c> naming what differs.</summary>
    public ReplayRun CheckComparable(ContributionManifest contribution)
    {
        var differences = new List<string>();
        if (Manifest.Seed != contribution.Seed)
        {
            differences.Add($"seed {Manifest.Seed}, the contribution's is {contribution.Seed}");
        }

        if (Manifest.Steps != contribution.Steps)
        {
            differences.Add($"{Manifest.Steps} steps, the contribution's {contribution.Steps}");
        }

        if (Manifest.DataShard != contribution.DataShard)
        {
            differences.Add($"shard {Manifest.DataShard}, the contribution's {contribution.DataShard}");
        }

        if (Manifest.BaseSnapshotDigest != contribution.BaseSnapshotDigest)
        {
            differences.Add($"base {Manifest.BaseSnapshotDigest}, the contribution's {contribution.BaseSnapshotDigest}");
        }

        if (differences.Count > 0)
        {
            throw new SwarmException("ReplayNotComparable",
                $"The replay in {Directory} of {contribution.Contributor} did not train what the contribution did: {string.Join("; ", differences)}.",
                "Replay with the contribution's own seed, shard, steps and base snapshot (its manifest has them).",
                SwarmErrorCategory.InvalidData, Directory);
        }

        return this;
    }
}
