using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// The job's output directory: created owner-only (0700) with every missing parent, every file written
/// owner-only (0600) to a temporary name in the directory and renamed into place when whole, so a reader
/// sees a whole file or none. The file that says the job is done (manifest, evaluation) is written last,
/// and one left from an earlier job is removed before work starts, so its presence never speaks for a
/// job that then failed.
/// </summary>
internal sealed class TrainerOutput
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private TrainerOutput(string directory) => Directory = directory;

    public string Directory { get; }

    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>Prepares <paramref name="directory"/> and removes <paramref name="completionFile"/> if an earlier job left one.</summary>
    public static TrainerOutput Prepare(string directory, string completionFile)
    {
        var full = Path.GetFullPath(directory);
        try
        {
            var missing = new Stack<string>();
            for (var current = full; !System.IO.Directory.Exists(current); current = Path.GetDirectoryName(current)!)
            {
                missing.Push(current);
            }

            while (missing.TryPop(out var created))
            {
                if (OperatingSystem.IsWindows())
                {
                    System.IO.Directory.CreateDirectory(created);
                }
                else
                {
                    // The mode at mkdir (which the umask only narrows), then exactly: no moment another user could enter.
                    System.IO.Directory.CreateDirectory(created, DirectoryMode);
                    File.SetUnixFileMode(created, DirectoryMode);
                }
            }

            File.Delete(Path.Combine(full, completionFile));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw TrainerErrors.OutputFailed(full, error);
        }

        return new TrainerOutput(full);
    }

    /// <summary>A safetensors file through the engine's writer (temporary name, 0600, fsync, rename).</summary>
    public string WriteSafetensors(string fileName, IEnumerable<TensorToWrite> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var path = PathOf(fileName);
        SafetensorsWriter.Write(path, tensors, metadata, durable: true);
        return path;
    }

    public string WriteBytes(string fileName, byte[] bytes)
    {
        var path = PathOf(fileName);
        var temporary = Path.Combine(Directory, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, FileMode);
                }

                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
            }

            throw TrainerErrors.OutputFailed(path, error);
        }

        return path;
    }
}
