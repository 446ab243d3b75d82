using System.Globalization;
using SwarmPS.Engine;

namespace SwarmPS.Trainer;

/// <summary>
/// Reads a job or data file whole, as input someone else wrote: never more than a bound, and only as many
/// bytes as the file's size says (a device such as /dev/zero reports 0 and is never read to its endless end;
/// an opened pipe, which has no size, is refused), so a hostile path cannot fill the trainer's memory.
/// A refusal is the caller's error (<paramref name="refuse"/> turns the problem into it).
/// </summary>
internal static class BoundedFile
{
    public static byte[] Read(string path, long maxBytes, string what, Func<string, SwarmException> refuse)
    {
        if (!File.Exists(path))
        {
            throw TrainerErrors.InputNotFound(what, path);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (!stream.CanSeek)
            {
                throw refuse("it is not a regular file (a device, pipe or socket)");
            }

            if (stream.Length > maxBytes)
            {
                throw refuse(string.Create(CultureInfo.InvariantCulture, $"it is {stream.Length} bytes, more than the {maxBytes / 1024} KiB a {what} may be"));
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw refuse($"it cannot be read ({error.Message})");
        }
    }
}
