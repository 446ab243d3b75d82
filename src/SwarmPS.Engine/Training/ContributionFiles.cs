using SwarmPS.Engine.Files;

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

    /// <summary>The manifest of a contribution directory, parsed (hostile-safe), with its bytes as they are on disk.</summary>
    public static (ContributionManifest Manifest, byte[] Bytes) ReadManifest(string directory)
    {
        var path = Path.Combine(Path.GetFullPath(directory), Manifest);
        var bytes = ReadBytes(path);
        return (ContributionManifestJson.Parse(bytes, path), bytes);
    }

    /// <summary>The adapter of a contribution directory; refused when it is not a regular file there.</summary>
    public static string AdapterOf(string directory)
    {
        var root = Path.GetFullPath(directory);
        var path = Path.Combine(root, Adapter);
        return BoundedFileRead.IsRegularFile(path, followLinks: true) ? path : throw Missing(root, Adapter);
    }

    private static byte[] ReadBytes(string path)
    {
        try
        {
            // One byte over the limit is read, so the parser names the size instead of a cut-off manifest.
            return BoundedFileRead.ReadAllBytes(path, ContributionManifestJson.MaxBytes + 1, followLinks: true)
                ?? throw Missing(Path.GetDirectoryName(path)!, Manifest);
        }
        catch (FileRefusedException error)
        {
            throw new SwarmException(
                "ContributionFileUnreadable",
                $"The contribution manifest '{path}' cannot be read: {error.Message}",
                $"Point -Path at the directory the trainer wrote, holding {Manifest} and {Adapter} as regular files.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SwarmException(
                "ContributionFileUnreadable",
                $"The contribution manifest '{path}' cannot be read: {error.Message}",
                "Check its permissions (ls -l); SwarmPS reads it with your own rights.",
                SwarmErrorCategory.PermissionDenied,
                path,
                error);
        }
    }

    private static SwarmException Missing(string directory, string file) => new(
        "ContributionFileNotFound",
        $"The contribution directory '{directory}' holds no {file}.",
        $"Point -Path at the directory the trainer wrote: it holds {Manifest} and {Adapter}.",
        SwarmErrorCategory.ObjectNotFound,
        Path.Combine(directory, file));
}
