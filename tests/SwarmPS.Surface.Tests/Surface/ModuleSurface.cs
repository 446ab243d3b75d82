namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// A module as a user meets it, as plain data: the cmdlets compiled into its assembly, what its manifest
/// exports, its markdown help and its format files. <see cref="SurfaceRules"/> judges it.
/// </summary>
public sealed class ModuleSurface
{
    private ModuleSurface(
        IReadOnlyList<CmdletSurface> cmdlets,
        ManifestText manifest,
        IReadOnlyDictionary<string, HelpDocument> help,
        string helpDirectory,
        IReadOnlyList<FormatFile> formatFiles,
        IReadOnlyList<string> unlistedFormatFiles)
    {
        Cmdlets = cmdlets;
        Manifest = manifest;
        Help = help;
        HelpDirectory = helpDirectory;
        FormatFiles = formatFiles;
        UnlistedFormatFiles = unlistedFormatFiles;
    }

    public IReadOnlyList<CmdletSurface> Cmdlets { get; }

    public ManifestText Manifest { get; }

    /// <summary>Help documents by command name (file name without .md).</summary>
    public IReadOnlyDictionary<string, HelpDocument> Help { get; }

    public string HelpDirectory { get; }

    /// <summary>The format files FormatsToProcess lists, in manifest order.</summary>
    public IReadOnlyList<FormatFile> FormatFiles { get; }

    /// <summary>*.format.ps1xml files beside the manifest (module/) that FormatsToProcess does not list.</summary>
    public IReadOnlyList<string> UnlistedFormatFiles { get; }

    /// <summary>
    /// Loads a module. Format files are resolved relative to the manifest's folder, as Import-Module does;
    /// every *.format.ps1xml under that folder's module/ subfolder is expected in FormatsToProcess.
    /// </summary>
    public static ModuleSurface Load(string assemblyPath, IEnumerable<string> resolverPaths, string manifestPath, string helpDirectory)
    {
        var cmdlets = CmdletReader.Read(assemblyPath, resolverPaths);
        var manifest = new ManifestText(manifestPath);
        var help = Directory.Exists(helpDirectory)
            ? Directory.GetFiles(helpDirectory, "*.md").ToDictionary(
                file => Path.GetFileNameWithoutExtension(file),
                HelpDocument.Read,
                StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, HelpDocument>();

        var moduleRoot = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var listed = manifest.StringList("FormatsToProcess") ?? Array.Empty<string>();
        var formatFiles = listed
            .Select(entry => FormatFile.Read(entry, Path.GetFullPath(Path.Combine(moduleRoot, entry.Replace('\\', '/')))))
            .ToList();
        var listedPaths = formatFiles.Select(file => file.FullPath).ToHashSet(StringComparer.Ordinal);
        var formatFolder = Path.Combine(moduleRoot, "module");
        var unlisted = Directory.Exists(formatFolder)
            ? Directory.GetFiles(formatFolder, "*.format.ps1xml", SearchOption.AllDirectories)
                .Where(file => !listedPaths.Contains(Path.GetFullPath(file)))
                .Select(file => Path.GetRelativePath(moduleRoot, file).Replace('\\', '/'))
                .OrderBy(file => file, StringComparer.Ordinal)
                .ToList()
            : new List<string>();

        return new ModuleSurface(cmdlets, manifest, help, helpDirectory, formatFiles, unlisted);
    }
}
