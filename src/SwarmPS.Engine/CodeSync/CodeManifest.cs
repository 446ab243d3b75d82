using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// What an experiment's code is: every file to ship (sorted by path, ordinal), its size, SHA-256 and
/// executable bit, and one <see cref="TreeHash"/> over them all. The tree hash is SHA-256 (lowercase hex)
/// of the UTF-8 text made of one line per file, in path order:
/// <c>&lt;kind&gt; &lt;size&gt; &lt;sha256 hex&gt; &lt;path&gt;\n</c>, where kind is <c>f</c> (file),
/// <c>x</c> (file with the owner's execute bit) or <c>l</c> (symbolic link, whose size and hash are of its
/// target text). So <c>sha256sum</c> of those lines reproduces it anywhere; modes other than the execute bit,
/// times and owners do not count. Files are read in 1 MiB chunks: a tree of any size is hashed in little memory.
/// </summary>
public sealed class CodeManifest
{
    private CodeManifest(string root, IReadOnlyList<CodeFile> files, bool fromGit)
    {
        Root = root;
        Files = files;
        FromGit = fromGit;
        Bytes = files.Sum(file => file.Size);
        TreeHash = HashOf(files);
    }

    /// <summary>The folder the paths are relative to (absolute).</summary>
    public string Root { get; }

    public IReadOnlyList<CodeFile> Files { get; }

    /// <summary>Whether git chose the files (.gitignore honoured) or the folder was walked whole.</summary>
    public bool FromGit { get; }

    public long Bytes { get; }

    public string TreeHash { get; }

    /// <summary>Lists and hashes the code under <paramref name="root"/> (see <see cref="CodeTreeListing"/>).</summary>
    public static async Task<CodeManifest> BuildAsync(string root, IReadOnlyList<string> excludes, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new SwarmException(
                "CodePathNotFound",
                $"The code folder '{full}' does not exist.",
                "Give -Path the experiment's folder (the repository root, by default the current location).",
                SwarmErrorCategory.ObjectNotFound,
                full);
        }

        var patterns = excludes.Select(pattern => new CodeExcludePattern(pattern)).ToList();
        var (paths, fromGit) = await CodeTreeListing.ListAsync(full, patterns, cancellationToken).ConfigureAwait(false);
        var files = new List<CodeFile>(paths.Count);
        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            files.Add(await HashFileAsync(full, path, cancellationToken).ConfigureAwait(false));
        }

        return new CodeManifest(full, files, fromGit);
    }

    /// <summary>The tree hash of <paramref name="files"/> (sorted here), by the formula above.</summary>
    public static string HashOf(IEnumerable<CodeFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.OrderBy(file => file.Path, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(
                $"{file.Kind} {file.Size.ToString(CultureInfo.InvariantCulture)} {file.Sha256} {file.Path}\n"));
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    private static async Task<CodeFile> HashFileAsync(string root, string relative, CancellationToken cancellationToken)
    {
        var path = Path.Combine(root, relative);
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target)
            {
                CheckLinkStaysInside(root, relative, target);
                var bytes = Encoding.UTF8.GetBytes(target);
                return new CodeFile(relative, bytes.Length, Hex(SHA256.HashData(bytes)), false, target);
            }

            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, useAsync: true);
            var digest = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            var executable = !OperatingSystem.IsWindows() && info.UnixFileMode.HasFlag(UnixFileMode.UserExecute);
            // Position, not Length: the bytes actually hashed, should the file change meanwhile.
            return new CodeFile(relative, stream.Position, Hex(digest), executable);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SwarmException(
                "CodeFileVanished",
                $"'{relative}' under '{root}' was listed but is gone (removed or renamed while the code was hashed).",
                "Let whatever is changing the folder finish (a build, a checkout), then sync again.",
                SwarmErrorCategory.ObjectNotFound,
                path,
                error);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new SwarmException(
                "CodeFileUnreadable",
                $"'{relative}' under '{root}' cannot be read: {error.Message}",
                "Make it readable, or leave it out with -Exclude (or .gitignore).",
                SwarmErrorCategory.PermissionDenied,
                path,
                error);
        }
    }

    /// <summary>
    /// A link is shipped as a link, so it must mean the same on the site: relative, and pointing inside the
    /// tree. An absolute one or one climbing out would point at whatever that path holds over there.
    /// </summary>
    private static void CheckLinkStaysInside(string root, string relative, string target)
    {
        var parent = Path.GetDirectoryName(Path.Combine(root, relative))!;
        var resolved = Path.GetFullPath(Path.Combine(parent, target));
        var inside = !Path.IsPathRooted(target)
            && (resolved == root || resolved.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal));
        if (!inside)
        {
            throw new SwarmException(
                "CodeLinkOutsideTree",
                $"The symbolic link '{relative}' points outside the code folder ('{target}'), so it would mean something else on the site.",
                "Make it a relative link to a file inside the folder, copy the file in, or leave the link out with -Exclude (or .gitignore).",
                SwarmErrorCategory.InvalidData,
                Path.Combine(root, relative));
        }
    }

    private static string Hex(byte[] digest) => Convert.ToHexString(digest).ToLowerInvariant();
}
