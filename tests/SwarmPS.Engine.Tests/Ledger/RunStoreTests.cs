using System.Collections;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class RunStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Same_statepoint_gives_the_same_run()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var first = store.CreateRun(new Hashtable { ["lr"] = 0.1, ["seed"] = 1 });
            var second = store.CreateRun(new Dictionary<string, object?> { ["seed"] = 1, ["lr"] = 0.1 });
            Assert.Equal((first.Id, first.CreatedAt, first.Statepoint), (second.Id, second.CreatedAt, second.Statepoint));
            Assert.Equal(RunStatus.Created, first.Status);
            Assert.Equal("cluster", first.Machine);
            Assert.Single(store.List());
        }
    }

    [Fact]
    public void Records_git_commit_and_dirty_flag()
    {
        using var repo = new TemporaryRepository();
        repo.Write("train.py", "print(1)\n");
        repo.Git("add", "train.py");
        repo.Git("commit", "-qm", "code");
        var head = repo.Git("rev-parse", "HEAD").Trim();
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        repo.Git("add", ".gitignore");
        repo.Git("commit", "-qm", "ignore");
        head = repo.Git("rev-parse", "HEAD").Trim();

        using var store = RunStore.Open(repo.Root);
        var clean = store.CreateRun(new Hashtable { ["x"] = 1 });
        Assert.Equal(head, clean.CodeCommit);
        Assert.False(clean.CodeDirty);

        repo.Write("train.py", "print(2)\n");
        var dirty = store.CreateRun(new Hashtable { ["x"] = 2 });
        Assert.True(dirty.CodeDirty);
    }

    [Fact]
    public void Lifecycle_stamps_times_and_wall_seconds_and_promotes_on_terminal()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["lr"] = 0.1 });
            Assert.Null(store.SetStatus(run.Id, RunStatus.Queued).Promotion);
            var running = store.SetStatus(run.Id, RunStatus.Running);
            Assert.NotNull(running.Run.StartedAt);
            Assert.False(File.Exists(repo.Repository.LedgerEntryPath(run.Id)));

            var done = store.SetStatus(run.Id, RunStatus.Complete);
            Assert.Equal(RunStatus.Running, done.PreviousStatus);
            Assert.Equal(1.5, done.Run.WallSeconds);
            Assert.True(done.Promotion!.Promoted);
            Assert.Equal($".swarm/ledger/{run.Id}.json", done.Promotion.EntryPath);
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(run.Id)));
            Assert.NotNull(store.Get(run.Id).PromotedAt);

            // Repeating the terminal status changes nothing and promotes nothing.
            Assert.Null(store.SetStatus(run.Id, RunStatus.Complete).Promotion);
        }
    }

    [Fact]
    public void Leaving_a_terminal_state_is_refused_and_the_status_kept()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["x"] = 1 });
            store.SetStatus(run.Id, RunStatus.Failed);
            var error = Assert.Throws<SwarmException>(() => store.SetStatus(run.Id, RunStatus.Running));
            Assert.Equal("RunStatusTerminal", error.ErrorId);
            Assert.Contains("already failed", error.Message);
            Assert.Equal(RunStatus.Failed, store.Get(run.Id).Status);
        }
    }

    [Fact]
    public void Unknown_run_is_RunNotFound_and_a_malformed_id_is_refused()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            Assert.Equal("RunNotFound", Assert.Throws<SwarmException>(() => store.Get("0123456789abcdef0123456789abcdef")).ErrorId);
            Assert.Equal("RunNotFound", Assert.Throws<SwarmException>(() => store.SetStatus("0123456789abcdef0123456789abcdef", RunStatus.Complete)).ErrorId);
            Assert.Equal("RunIdMalformed", Assert.Throws<SwarmException>(() => store.SetStatus("../../etc/passwd", RunStatus.Complete)).ErrorId);
            Assert.Equal("RunNotFound", Assert.Throws<SwarmException>(() => store.Publish("0123456789abcdef0123456789abcdef")).ErrorId);
        }
    }

    [Fact]
    public void A_failed_promotion_keeps_the_status_and_Sync_recovers_it()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["x"] = 1 });
            // A file where the ledger directory should be: every promotion fails with an I/O error.
            Directory.Delete(repo.Repository.LedgerDirectory);
            File.WriteAllText(repo.Repository.LedgerDirectory, "not a directory");

            var change = store.SetStatus(run.Id, RunStatus.Complete);
            Assert.True(change.PromotionFailed);
            Assert.Contains("Sync-SwarmLedger", change.Promotion!.Error);
            Assert.Equal(RunStatus.Complete, store.Get(run.Id).Status);
            Assert.NotNull(store.Get(run.Id).PromotionError);

            File.Delete(repo.Repository.LedgerDirectory);
            var sync = store.Sync();
            Assert.Equal((1, 0, 0), (sync.Promoted, sync.Skipped, sync.Failed));
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(run.Id)));
            Assert.Null(store.Get(run.Id).PromotionError);
        }
    }

    [Fact]
    public void Sync_promotes_missing_terminal_runs_only_and_Overwrite_redoes_all()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var ids = Enumerable.Range(0, 5).Select(i => store.CreateRun(new Hashtable { ["i"] = i }).Id).ToList();
            foreach (var id in ids.Take(4))
            {
                store.SetStatus(id, RunStatus.Complete);
            }

            File.Delete(repo.Repository.LedgerEntryPath(ids[0]));
            File.Delete(repo.Repository.LedgerEntryPath(ids[1]));
            var sync = store.Sync();
            Assert.Equal((2, 2, 0), (sync.Promoted, sync.Skipped, sync.Failed));
            Assert.False(File.Exists(repo.Repository.LedgerEntryPath(ids[4])));

            var all = store.Sync(overwrite: true);
            Assert.Equal((4, 0, 0), (all.Promoted, all.Skipped, all.Failed));
        }
    }

    [Fact]
    public void Sync_goes_on_past_a_run_that_cannot_be_promoted()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var bad = store.CreateRun(new Hashtable { ["i"] = 1 });
            var good = store.CreateRun(new Hashtable { ["i"] = 2 });
            store.SetStatus(bad.Id, RunStatus.Complete);
            store.SetStatus(good.Id, RunStatus.Complete);
            File.Delete(repo.Repository.LedgerEntryPath(good.Id));
            // A directory squatting on one entry's file name makes only that promotion fail.
            File.Delete(repo.Repository.LedgerEntryPath(bad.Id));
            Directory.CreateDirectory(repo.Repository.LedgerEntryPath(bad.Id));

            var sync = store.Sync(overwrite: true);
            Assert.Equal((1, 0, 1), (sync.Promoted, sync.Skipped, sync.Failed));
            Assert.Equal(bad.Id, Assert.Single(sync.Failures).RunId);
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(good.Id)));
        }
    }

    [Fact]
    public void Relinking_a_terminal_run_promotes_it_again_with_the_new_link()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["x"] = 1 });
            Assert.Null(store.LinkExperiments(run.Id, ["lr-sweep"]).Promotion);
            store.SetStatus(run.Id, RunStatus.Complete);
            var relinked = store.LinkExperiments(run.Id, ["ablation/dropout", "lr-sweep"]);
            Assert.True(relinked.Promotion!.Promoted);
            Assert.Equal(["ablation/dropout", "lr-sweep"], LedgerReader.ReadOne(repo.Repository, run.Id).Experiments);

            var tracked = store.SetTracker(run.Id, new TrackerPointer("mlflow", "abc123", "https://user:pw@mlflow.example.org/#/runs/abc123?token=s3cret", "sweeps"), "{\"api_key\":\"s3cret\"}");
            Assert.True(tracked.Promotion!.Promoted);
            var entry = LedgerReader.ReadOne(repo.Repository, run.Id);
            Assert.Equal("mlflow", entry.Tracker!.Backend);
            Assert.Equal("https://mlflow.example.org/", entry.Tracker.Url);
            Assert.DoesNotContain("s3cret", File.ReadAllText(repo.Repository.LedgerEntryPath(run.Id)));
            Assert.Equal("ExperimentNameInvalid", Assert.Throws<SwarmException>(() => store.LinkExperiments(run.Id, ["../x"])).ErrorId);
        }
    }

    [Fact]
    public void Publish_refuses_a_live_run()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(new Hashtable { ["x"] = 1 });
            store.SetStatus(run.Id, RunStatus.Running);
            var error = Assert.Throws<SwarmException>(() => store.Publish(run.Id));
            Assert.Equal("RunNotTerminal", error.ErrorId);
            Assert.Contains("running", error.Message);
        }
    }

    [Fact]
    public void Sync_takes_exactly_the_runs_whose_status_IsTerminal()
    {
        // Sync selects terminal runs in SQL and everything else asks IsTerminal: the two must never differ.
        using var repo = Initialized(out var store);
        using (store)
        {
            var ids = Enum.GetValues<RunStatus>().ToDictionary(status => status, status => store.CreateRun(new Hashtable { ["status"] = status.ToName() }).Id);
            foreach (var (status, id) in ids.Where(pair => pair.Key != RunStatus.Created))
            {
                store.SetStatus(id, status);
            }

            foreach (var file in Directory.GetFiles(repo.Repository.LedgerDirectory, "*.json"))
            {
                File.Delete(file);
            }

            var sync = store.Sync();
            Assert.Equal((4, 0, 0), (sync.Promoted, sync.Skipped, sync.Failed));
            Assert.Equal(
                ids.Where(pair => pair.Key.IsTerminal()).Select(pair => pair.Value).Order(StringComparer.Ordinal),
                ids.Values.Where(id => File.Exists(repo.Repository.LedgerEntryPath(id))).Order(StringComparer.Ordinal));
            Assert.Equal(["complete", "failed", "abandoned", "stopped"], RunStatusNames.Terminal.Select(RunStatusNames.ToName));
        }
    }

    [Fact]
    public void A_job_run_and_a_single_run_of_one_statepoint_are_one_created_run()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            Assert.Equal(1, store.CreateJobRuns("job", 1, [(0L, (object)new Hashtable { ["x"] = 1 })], "/work/a"));
            var single = store.CreateRun(new Hashtable { ["x"] = 1 }, "/work/b");
            Assert.Equal(store.JobRunIds("job", 1)[0], single.Id);
            Assert.Equal((RunStatus.Created, "cluster", "/work/a", Start), (single.Status, single.Machine, single.WorkingDirectory, single.CreatedAt));
            Assert.Single(store.List());
        }
    }

    internal static TemporaryRepository Initialized(out RunStore store)
    {
        var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        store = RunStore.Open(repo.Root, TemporaryRepository.FixedClock(Start) with { CaptureCodeVersion = false });
        return repo;
    }
}
