using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Tests.Files;

/// <summary>The engine's one write-to-temporary-then-rename, and the directory flush its durable writes end with.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-atomic-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void A_durable_write_replaces_the_file_whole_with_its_mode_and_leaves_nothing_beside_it()
    {
        var path = Path.Combine(_scratch.FullName, "record.json");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "{\"new\": true}\n", durable: true);

        Assert.Equal("{\"new\": true}\n", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.FullName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Flushing_a_directory_really_opens_it_and_names_one_that_is_not_there()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // Windows commits renames itself; Flush does nothing there by design.
        }

        DirectorySync.Flush(_scratch.FullName);
        var missing = Path.Combine(_scratch.FullName, "gone");

        var error = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Two_threads_writing_one_file_never_share_a_temporary_file()
    {
        var path = Path.Combine(_scratch.FullName, "status.json");
        var texts = new[] { new string('a', 500_000), new string('b', 500_000) };
        using var start = new Barrier(texts.Length);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var writers = texts.Select(text => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 30; i++)
            {
                try
                {
                    AtomicFile.WriteAllText(path, text);
                }
                catch (Exception error)
                {
                    failures.Enqueue(error);
                }
            }
        })).ToList();
        writers.ForEach(writer => writer.Start());
        writers.ForEach(writer => writer.Join());

        Assert.Empty(failures);
        Assert.Contains(File.ReadAllText(path), texts);
        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.FullName));
    }
}
