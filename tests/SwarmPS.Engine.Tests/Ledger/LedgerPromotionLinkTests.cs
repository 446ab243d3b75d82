using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>A clone whose .swarm/ledger is a link must not make promotion write wherever it points.</summary>
public sealed class LedgerPromotionLinkTests
{
    [Fact]
    public void A_linked_ledger_directory_is_refused_with_LedgerDirectoryLinked_and_the_target_stays_empty()
    {
        using var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "laptop");
        var target = Path.Combine(repo.Root, "somewhere-else");
        Directory.CreateDirectory(target);
        Directory.Delete(repo.Repository.LedgerDirectory);
        Directory.CreateSymbolicLink(repo.Repository.LedgerDirectory, target);

        using var store = RunStore.Open(repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
        var run = store.CreateRun(new Dictionary<string, object?> { ["lr"] = 0.1 });
        var change = store.SetStatus(run.Id, RunStatus.Complete);

        Assert.False(change.Promotion!.Promoted);
        Assert.Equal("LedgerDirectoryLinked", change.Promotion.ErrorId);
        Assert.Contains(".swarm/ledger is a symbolic link", change.Promotion.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.Equal(RunStatus.Complete, store.Get(run.Id).Status);

        var sync = store.Sync();
        Assert.Equal(1, sync.Failed);
        Assert.Equal("LedgerDirectoryLinked", sync.Failures[0].ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.Contains(LedgerValidator.Validate(repo.Repository), f => f.Code == "LedgerDirectoryLinked");
    }
}
