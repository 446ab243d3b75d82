using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Tests.Files;

/// <summary>
/// Many files into one directory, each whole or absent, made durable together (one file-system flush for a
/// large group, an fsync each for a small one), on real files.
/// </summary>
public sealed class AtomicFileGroupTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-group-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Theory]
    [InlineData(AtomicFileGroup.FlushTogetherFrom - 1)]
    [InlineData(AtomicFileGroup.FlushTogetherFrom * 3)]
    public void Every_file_lands_whole_with_its_mode_only_at_the_commit_and_nothing_is_left_beside_them(int count)
    {
        var paths = Enumerable.Range(0, count).Select(i => Path.Combine(_scratch.FullName, $"entry-{i}.json")).ToList();
        File.WriteAllText(paths[0], "old");
        using var group = new AtomicFileGroup(_scratch.FullName, count);
        Assert.Equal(count >= AtomicFileGroup.FlushTogetherFrom && OperatingSystem.IsLinux(), group.FlushesTogether);

        Parallel.ForEach(paths, path => group.Stage(path, $"{{\"name\": \"{Path.GetFileName(path)}\"}}\n"));

        // Staged is not visible: no new name exists before the commit, and the old file is still old.
        Assert.Equal("old", File.ReadAllText(paths[0]));
        Assert.All(paths.Skip(1), path => Assert.False(File.Exists(path)));

        var failures = group.Commit();

        Assert.Empty(failures);
        Assert.All(paths, path => Assert.Equal($"{{\"name\": \"{Path.GetFileName(path)}\"}}\n", File.ReadAllText(path)));
        Assert.Equal(paths.Order(StringComparer.Ordinal), Directory.GetFiles(_scratch.FullName).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.All(paths, path => Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(path)));
        }
    }

    [Fact]
    public void A_file_that_cannot_be_put_in_place_fails_alone_and_its_temporary_file_is_deleted()
    {
        var paths = Enumerable.Range(0, 200).Select(i => Path.Combine(_scratch.FullName, $"entry-{i}.json")).ToList();
        // A non-empty directory where one file goes: its rename fails, for root too.
        Directory.CreateDirectory(Path.Combine(paths[100], "inside"));
        using var group = new AtomicFileGroup(_scratch.FullName, paths.Count);
        foreach (var path in paths)
        {
            group.Stage(path, "{}\n");
        }

        var failures = group.Commit();

        var failure = Assert.Single(failures);
        Assert.Equal(paths[100], failure.Key);
        Assert.True(Directory.Exists(paths[100]));
        Assert.All(paths.Where(p => p != paths[100]), path => Assert.Equal("{}\n", File.ReadAllText(path)));
        Assert.DoesNotContain(Directory.GetFiles(_scratch.FullName), file => file.EndsWith(AtomicFile.TemporarySuffix, StringComparison.Ordinal));
    }

    [Fact]
    public void Files_staged_and_never_committed_leave_nothing_behind()
    {
        using (var group = new AtomicFileGroup(_scratch.FullName, 100))
        {
            for (var i = 0; i < 100; i++)
            {
                group.Stage(Path.Combine(_scratch.FullName, $"entry-{i}.json"), "{}\n");
            }

            Assert.Equal(100, Directory.GetFiles(_scratch.FullName).Length);
        }

        Assert.Empty(Directory.GetFiles(_scratch.FullName));
    }

    [Fact]
    public void A_file_outside_the_group_s_directory_is_refused_before_anything_is_written()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_scratch.FullName, "elsewhere")).FullName;
        using var group = new AtomicFileGroup(_scratch.FullName + Path.DirectorySeparatorChar, 100);

        var error = Assert.Throws<ArgumentException>(() => group.Stage(Path.Combine(elsewhere, "entry.json"), "{}\n"));

        Assert.Contains(elsewhere, error.Message);
        Assert.Empty(Directory.GetFiles(elsewhere));
        group.Stage(Path.Combine(_scratch.FullName, "entry.json"), "{}\n"); // the directory's own files are taken, trailing separator or not
        Assert.Empty(group.Commit());
    }

    [Fact]
    public void Flushing_a_file_system_really_opens_the_directory_and_names_one_that_is_not_there()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(DirectorySync.FlushFileSystem(_scratch.FullName)); // no syncfs: callers flush each file
            return;
        }

        Assert.True(DirectorySync.FlushFileSystem(_scratch.FullName));
        var missing = Path.Combine(_scratch.FullName, "gone");

        var error = Assert.Throws<IOException>(() => DirectorySync.FlushFileSystem(missing));

        Assert.Contains(missing, error.Message);
    }
}
