namespace SwarmPS.Engine.Files;

/// <summary>Why a file was refused, for callers that map it to their own error ids (configuration files).</summary>
public enum FileRefusal
{
    Link,
    NotRegular,
    TooLarge,
}

/// <summary>
/// A file SwarmPS would not read: a symbolic link where only a regular file belongs, a FIFO, a device
/// or a directory, or one larger than its limit. An <see cref="IOException"/>, so every caller that
/// already turns unreadable files into findings reports these too; the message names the file's kind
/// and the fix, and never echoes the file's content.
/// </summary>
public sealed class FileRefusedException(FileRefusal reason, string message) : IOException(message)
{
    public FileRefusal Reason { get; } = reason;

    public static FileRefusedException Link(string path) =>
        new(FileRefusal.Link, $"'{Path.GetFileName(path)}' is a symbolic link; SwarmPS reads only regular files here, never where a link points. Replace the link with the file itself, or remove it.");

    public static FileRefusedException NotRegular(string path, string kind) =>
        new(FileRefusal.NotRegular, $"'{Path.GetFileName(path)}' is {kind}, not a regular file. Remove it; SwarmPS reads only regular files here.");

    public static FileRefusedException TooLarge(string path, long limit) =>
        new(FileRefusal.TooLarge, $"'{Path.GetFileName(path)}' is larger than {limit / 1024} KiB, the most SwarmPS reads from such a file. Remove or shorten it.");
}
