namespace SwarmPS.Engine.Training;

/// <summary>
/// The layout of a contribution on disk, the one a trainer writes and the coordinator files: a directory
/// holding the manifest and the adapter under these names. Named once, so the uploader, the coordinator's
/// record and the trainers cannot drift apart.
/// </summary>
public static class ContributionFiles
{
    /// <summary>The contribution manifest (canonical JSON, <see cref="ContributionManifestJson"/>).</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The trained LoRA adapter (safetensors).</summary>
    public const string Adapter = "adapter.safetensors";
}
