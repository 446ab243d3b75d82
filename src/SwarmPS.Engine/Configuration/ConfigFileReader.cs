using System.Text;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Reads a configuration file's text after the checks that keep a bad file from reaching a parser:
/// it exists, is a regular file (never a device or FIFO: <see cref="BoundedFileRead"/>), is at most 1 MiB
/// (never more is read), is UTF-8 and holds something. A UTF-8 byte order mark and
/// Windows line endings are accepted and normalised (editors on Windows add both); line and column
/// numbers stay those of the file as written.
/// </summary>
public static class ConfigFileReader
{
    public const int MaxBytes = 1024 * 1024;

    private static readonly char[] WildcardCharacters = { '*', '?', '[' };

    public static string ReadText(string path)
    {
        var start = new SourceLocation(path, 1, 1);
        if (Directory.Exists(path))
        {
            throw new ConfigException(
                "ConfigPathIsDirectory", start, "This is a directory, not a file.",
                "Pass the path of a .yaml, .yml or .json file inside it.");
        }

        byte[]? bytes;
        try
        {
            // A link is followed (dotfiles are often links), but only to a regular file.
            bytes = BoundedFileRead.ReadAllBytes(path, MaxBytes, followLinks: true);
        }
        catch (FileRefusedException refused) when (refused.Reason == FileRefusal.TooLarge)
        {
            throw new ConfigException(
                "ConfigFileTooLarge", start,
                $"The file is larger than {MaxBytes:N0} bytes (1 MiB), the limit for configuration files; no more than that was read.",
                "Check that this is the intended file; large data such as task lists belong in their own files.");
        }
        catch (FileRefusedException)
        {
            throw new ConfigException(
                "ConfigFileNotRegular", start,
                "This is not a regular file (a device such as /dev/zero, a FIFO or a socket), so SwarmPS does not read it.",
                "Pass the YAML or JSON file itself; configuration is read only from regular files.");
        }
        catch (Exception error) when (error is UnauthorizedAccessException or IOException)
        {
            throw new ConfigException(
                "ConfigFileUnreadable", start, $"The file cannot be read: {error.Message}",
                "Check its permissions (ls -l); SwarmPS reads configuration with your own rights.", error);
        }

        if (bytes is null && path.IndexOfAny(WildcardCharacters) >= 0)
        {
            // A file whose name holds '*' or '[' is read like any other; only a pattern that names no
            // file gets here, and "does not exist" would hide that patterns are not expanded.
            throw new ConfigException(
                "ConfigPathWildcard", start, "The path is a wildcard pattern; one configuration file is read per path and patterns are not expanded.",
                "Name one file, or pipe the files in: Get-ChildItem campaigns/*.yaml | Import-SwarmCampaign.");
        }

        if (bytes is null)
        {
            throw new ConfigException(
                "ConfigFileNotFound", start, "The file does not exist.",
                "Check the path; relative paths are resolved from the current directory.");
        }

        var text = Decode(bytes, start);
        if (text.Split('\n').All(line => line.Trim().Length == 0 || line.TrimStart().StartsWith('#')))
        {
            throw new ConfigException(
                "ConfigFileEmpty", start, "The file is empty (or holds only comments).",
                "Fill it in; the examples/ folder holds a complete file to start from.");
        }

        return text;
    }

    private static string Decode(byte[] bytes, SourceLocation start)
    {
        if (StartsWith(bytes, 0xFF, 0xFE) || StartsWith(bytes, 0xFE, 0xFF))
        {
            throw new ConfigException(
                "ConfigFileEncoding", start, "The file is UTF-16; SwarmPS reads UTF-8.",
                "Save it as UTF-8 (in PowerShell: Get-Content f | Set-Content -Encoding utf8NoBOM f).");
        }

        var body = StartsWith(bytes, 0xEF, 0xBB, 0xBF) ? bytes.AsSpan(3) : bytes.AsSpan();
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException error)
        {
            var offset = error.Index + (bytes.Length - body.Length);
            var line = 1 + bytes.AsSpan(0, Math.Max(0, Math.Min(offset, bytes.Length))).Count((byte)'\n');
            throw new ConfigException(
                "ConfigFileEncoding", start with { Line = line }, "The file is not valid UTF-8.",
                "Save it as UTF-8; a Latin-1 or Windows-1252 character is the usual cause.", error);
        }

        if (text.Contains('\0'))
        {
            throw new ConfigException(
                "ConfigFileEncoding", start, "The file holds NUL bytes, so it is not a text file.",
                "Pass the YAML or JSON file itself.");
        }

        return text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static bool StartsWith(byte[] bytes, params byte[] prefix) => bytes.AsSpan().StartsWith(prefix);
}
