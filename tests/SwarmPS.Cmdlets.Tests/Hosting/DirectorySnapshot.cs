namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>Every file and directory under a root with its size and write time, to prove nothing changed.</summary>
public static class DirectorySnapshot
{
    public static IReadOnlyList<string> Take(string root) => Directory.Exists(root)
        ? new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories)
            .Select(entry => entry is FileInfo file
                ? $"{Path.GetRelativePath(root, file.FullName)} {file.Length} {file.LastWriteTimeUtc:O}"
                : $"{Path.GetRelativePath(root, entry.FullName)}/ {entry.LastWriteTimeUtc:O}")
            .Order(StringComparer.Ordinal)
            .ToList()
        : ["(absent)"];
}
