using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The index of an evidence bundle: <c>index.json</c> at its root lists every other file of the bundle with
/// its size and SHA-256, in canonical JSON, so a reviewer (or Test-SwarmEvidence) can tell what was there
/// when it was written from what is there now. Checking reads each file streaming (a bundle may hold
/// adapters of gigabytes) and treats the bundle as hostile: a link, a FIFO or a path outside the bundle is
/// a problem to report, never followed.
/// </summary>
public static class EvidenceIndex
{
    public const string FileName = "index.json";

    /// <summary>More entries than this is not a bundle SwarmPS wrote.</summary>
    public const int MaxEntries = 100_000;

    /// <summary>Writes index.json for every regular file under <paramref name="directory"/>; a link or special file there is refused.</summary>
    public static IReadOnlyList<EvidenceFile> Write(string directory)
    {
        var files = Entries(directory)
            .Select(path => Relative(directory, path))
            .Where(name => name != FileName)
            .Order(StringComparer.Ordinal)
            .Select(name => Hash(directory, name) ?? throw new SwarmException(
                "EvidenceFileRefused",
                $"'{name}' in the evidence bundle {directory} is not a regular file (a link, a FIFO or a device).",
                "Put only the evidence itself in the bundle's directory; Export-SwarmEvidence writes regular files only.",
                SwarmErrorCategory.InvalidData,
                name))
            .ToList();
        var index = new Dictionary<string, object?>
        {
            ["schema_version"] = 1,
            ["files"] = files.Select(file => new Dictionary<string, object?> { ["path"] = file.Path, ["bytes"] = file.Bytes, ["sha256"] = file.Sha256 }).ToArray(),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), CanonicalJson.SerializeIndented(index), durable: true);
        return files;
    }

    /// <summary>Every way the bundle differs from its index, as sentences; empty when every file is there unchanged and nothing else is.</summary>
    public static IReadOnlyList<string> Check(string directory)
    {
        var problems = new List<string>();
        IReadOnlyList<EvidenceFile> listed;
        try
        {
            listed = Read(directory);
        }
        catch (SwarmException error)
        {
            return new[] { error.Message };
        }

        foreach (var file in listed)
        {
            var now = Hash(directory, file.Path);
            if (now is null)
            {
                problems.Add($"'{file.Path}' is listed in {FileName} but is missing or not a regular file");
            }
            else if (now.Bytes != file.Bytes || now.Sha256 != file.Sha256)
            {
                problems.Add($"'{file.Path}' has changed since the bundle was written (sha256 {now.Sha256}, listed {file.Sha256})");
            }
        }

        var names = listed.Select(file => file.Path).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(Entries(directory)
            .Select(path => Relative(directory, path))
            .Where(name => name != FileName && !names.Contains(name))
            .Order(StringComparer.Ordinal)
            .Select(name => $"'{name}' is in the bundle but not in {FileName}"));
        return problems;
    }

    /// <summary>The files index.json lists; an index that is missing, not JSON or names a path outside the bundle is EvidenceIndexInvalid.</summary>
    public static IReadOnlyList<EvidenceFile> Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        byte[]? bytes;
        try
        {
            bytes = BoundedFileRead.ReadAllBytes(path, 64 * 1024 * 1024, followLinks: false);
        }
        catch (IOException error)
        {
            throw Invalid(directory, error.Message);
        }

        if (bytes is null)
        {
            throw Invalid(directory, $"it has no {FileName}");
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var files = document.RootElement.GetProperty("files");
            if (files.GetArrayLength() > MaxEntries)
            {
                throw Invalid(directory, $"its {FileName} lists more than {MaxEntries} files");
            }

            return files.EnumerateArray().Select(entry => new EvidenceFile(
                SafeRelative(entry.GetProperty("path").GetString()!, directory),
                entry.GetProperty("bytes").GetInt64(),
                entry.GetProperty("sha256").GetString()!)).ToList();
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Invalid(directory, $"its {FileName} is not an index SwarmPS wrote ({error.Message})");
        }
    }

    /// <summary>Size and hash of a regular file of the bundle, or null when it is missing, a link or not a regular file.</summary>
    private static EvidenceFile? Hash(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        var info = new FileInfo(path);
        try
        {
            if (!info.Exists || info.LinkTarget is not null || !BoundedFileRead.IsRegularFile(path, followLinks: false))
            {
                return null;
            }
        }
        catch (FileRefusedException)
        {
            return null; // a FIFO, a device: hashing it would block or never end
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return new EvidenceFile(name, stream.Length, BlobDigest.Of(stream).ToString());
    }

    /// <summary>Everything under <paramref name="directory"/> but its directories; a link to a directory is an entry, never walked into.</summary>
    private static IEnumerable<string> Entries(string directory)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(directory))
        {
            if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
            {
                foreach (var inner in Entries(path))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static string Relative(string directory, string path) => Path.GetRelativePath(directory, path).Replace('\\', '/');

    private static string SafeRelative(string name, string directory)
    {
        var full = Path.GetFullPath(Path.Combine(directory, name));
        var root = Path.GetFullPath(directory).TrimEnd('/') + "/";
        return name.Length > 0 && !Path.IsPathRooted(name) && full.StartsWith(root, StringComparison.Ordinal)
            ? name
            : throw Invalid(directory, $"its {FileName} names '{name}', which is outside the bundle");
    }

    private static SwarmException Invalid(string directory, string problem) => new(
        "EvidenceIndexInvalid",
        $"The evidence bundle {directory} cannot be checked: {problem}.",
        "Check the path; a bundle is what Export-SwarmEvidence writes, with its index.json at the top. Export it again from the run if the index was damaged.",
        SwarmErrorCategory.InvalidData,
        directory);
}
