using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Files bound for a remote site, sent as ONE tar stream on one ssh command's stdin and unpacked there with
/// the POSIX <c>tar</c> (umask 077, so every file and folder is owner-only from creation): one round trip
/// however many files a launch stages. Its <see cref="Hash"/> names content, so staged program files are
/// reused while unchanged.
/// </summary>
public sealed class RemoteBundle
{
    private readonly SortedDictionary<string, (byte[] Content, bool Executable)> _files = new(StringComparer.Ordinal);

    public int Count => _files.Count;

    public long Size => _files.Values.Sum(file => (long)file.Content.Length);

    public void Add(string relativePath, byte[] content, bool executable = false) =>
        _files[relativePath.Replace('\\', '/')] = (content, executable);

    public void Add(string relativePath, string text, bool executable = false) => Add(relativePath, Encoding.UTF8.GetBytes(text), executable);

    /// <summary>SHA-256 over every path and content, in path order: the same files give the same hash anywhere.</summary>
    public string Hash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, file) in _files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\0{file.Content.Length}\0{(file.Executable ? 'x' : '-')}\0"));
            hash.AppendData(file.Content);
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant()[..24];
    }

    public byte[] ToTar()
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, file) in _files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path)
                {
                    Mode = file.Executable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    DataStream = new MemoryStream(file.Content),
                };
                writer.WriteEntry(entry);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Unpacks into <paramref name="directory"/> on the shell's side (created owner-only when missing).</summary>
    public async Task UnpackAsync(ISiteShell shell, string directory, CancellationToken cancellationToken)
    {
        const string script = "set -e; umask 077; mkdir -p \"$1\"; tar -xf - -C \"$1\"";
        var result = await shell.RunAsync(
            new ShellCommand("sh", "-c", script, "sh", directory) { StandardInput = ToTar(), Timeout = TimeSpan.FromMinutes(5) },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new SwarmException(
                "StagingFailed",
                $"Could not unpack {Count} file(s) into '{directory}' on {shell.Target}: {result.StandardError.Trim()}",
                "Check that the directory is writable on that host and that it has 'tar' (Test-SwarmSite checks the run root).",
                SwarmErrorCategory.PermissionDenied,
                directory);
        }
    }
}
