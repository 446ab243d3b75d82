using System.Text;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Writes a file so that readers (git, another process, a crash) see either the old bytes or the new,
/// never half: the bytes go to a hidden temporary file in the same directory, then rename(2) replaces
/// the target in one step.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Temporary files end with this, so readers and .gitignore can skip leftovers.</summary>
    public const string TemporarySuffix = ".tmp";

    public static void WriteAllText(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
