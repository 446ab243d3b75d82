using System.Runtime.InteropServices;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// What the ledger writes on a shared login node is its owner's alone: .swarm/ 0700, the run store and
/// its WAL and shared memory 0600, ledger files 0600 until git shares them. The modes are set at
/// creation, so they hold under the loosest umask (0000), which is how these tests run.
/// </summary>
[Collection(UmaskCollection.Name)]
public sealed class OwnerOnlyModeTests
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Store_wal_shm_ledger_and_machine_file_are_owner_only_under_umask_0000()
    {
        using var repo = new TemporaryRepository(git: false);
        using (LooseUmask())
        {
            RepositoryInitializer.Initialize(repo.Root, "laptop");
            using var store = RunStore.Open(repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
            var run = store.CreateRun(new Dictionary<string, object?> { ["token"] = "s3cret" });
            store.SetStatus(run.Id, RunStatus.Complete);

            var swarm = repo.Repository.SwarmDirectory;
            Assert.Equal(Directory700, File.GetUnixFileMode(swarm));
            Assert.Equal(Directory700, File.GetUnixFileMode(repo.Repository.LedgerDirectory));
            foreach (var file in new[] { "runs.db", "runs.db-wal", "runs.db-shm", "machine.json", $"ledger/{run.Id}.json" })
            {
                var path = Path.Combine(swarm, file);
                Assert.True(File.Exists(path), $"{file} exists while the store is open");
                Assert.Equal((file, File600), (file, File.GetUnixFileMode(path)));
            }

            // The user's .gitignore is not ours to hide: a new one is 0644.
            Assert.Equal(File600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(repo.Repository.GitIgnorePath));
        }
    }

    [Fact]
    public void Files_and_directories_are_born_owner_only_not_tightened_afterwards()
    {
        // Tighten on open would hide a loose creation mode from the test above; here each is checked
        // the moment it exists, with nothing run after it.
        using var repo = new TemporaryRepository(git: false);
        using (LooseUmask())
        {
            var directory = Path.Combine(repo.Root, "a", "b");
            OwnerOnly.CreateDirectory(directory);
            Assert.Equal(Directory700, File.GetUnixFileMode(directory));

            var file = Path.Combine(directory, "runs.db");
            OwnerOnly.CreateFile(file);
            Assert.Equal(File600, File.GetUnixFileMode(file));

            var written = Path.Combine(directory, "entry.json");
            AtomicFile.WriteAllText(written, "{}\n");
            Assert.Equal(File600, File.GetUnixFileMode(written));
        }
    }

    [Fact]
    public void A_store_made_world_readable_by_an_older_SwarmPS_is_tightened_on_open()
    {
        using var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        var loose = File600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(repo.Repository.SwarmDirectory, Directory700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(repo.Repository.RunStorePath, loose);
        File.SetUnixFileMode(repo.Repository.GitIgnorePath, loose);

        using (RunStore.Open(repo.Root))
        {
        }

        Assert.Equal(Directory700, File.GetUnixFileMode(repo.Repository.SwarmDirectory));
        Assert.Equal(File600, File.GetUnixFileMode(repo.Repository.RunStorePath));

        RepositoryInitializer.Initialize(repo.Root);
        Assert.Equal(loose, File.GetUnixFileMode(repo.Repository.GitIgnorePath));
    }

    /// <summary>Sets umask 0000 (the loosest) until disposed; tests in <see cref="UmaskCollection"/> only.</summary>
    internal static IDisposable LooseUmask()
    {
        var previous = Umask(0);
        return new Restore(() => Umask(previous));
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>Tests that change the process umask run alone, so no other test creates files meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UmaskCollection
{
    public const string Name = "umask";
}
