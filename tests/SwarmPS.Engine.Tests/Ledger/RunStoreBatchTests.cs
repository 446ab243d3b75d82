using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// The scheduler's set-based status batches (<see cref="RunStore.SetJobTaskStatuses"/>) on real SQLite
/// files and real ledger directories: the same rule and results as one change at a time, terminal runs
/// never moved again, and a promotion that fails part-way leaves the store consistent and says which.
/// </summary>
public sealed class RunStoreBatchTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_batch_of_new_terminal_refused_unchanged_and_missing_tasks_counts_each_and_moves_only_the_right_runs()
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            // Tasks 0-4 have runs of their own; task 5 shares task 4's statepoint, so the two are one run.
            store.CreateJobRuns("job", 1, Enumerable.Range(0, 6).Select(i => ((long)i, Statepoint(Math.Min(i, 4)))));
            store.SetJobTaskStatuses("job", 1, [(0L, RunStatus.Running), (1L, RunStatus.Failed), (2L, RunStatus.Queued)]);

            var change = store.SetJobTaskStatuses("job", 1,
            [
                (0L, RunStatus.Complete), // running -> complete: moved and promoted
                (1L, RunStatus.Running),  // already failed: refused
                (2L, RunStatus.Queued),   // already queued: unchanged
                (3L, RunStatus.Running),  // created -> running, then in the same batch -> stopped
                (3L, RunStatus.Stopped),
                (4L, RunStatus.Running),  // created -> running ...
                (5L, RunStatus.Running),  // ... and its twin, now running: unchanged
                (7L, RunStatus.Running),  // no such task: missing
            ]);

            Assert.Equal((4, 2, 1, 1, 2), (change.Changed, change.Unchanged, change.Refused, change.Missing, change.Promoted));
            Assert.Empty(change.PromotionFailures);
            var ids = store.JobRunIds("job", 1);
            Assert.Equal(
                [RunStatus.Complete, RunStatus.Failed, RunStatus.Queued, RunStatus.Stopped, RunStatus.Running, RunStatus.Running],
                Enumerable.Range(0, 6).Select(task => store.Get(ids[task]).Status));
            Assert.Equal(ids[4], ids[5]);
            var stopped = store.Get(ids[3]);
            Assert.NotNull(stopped.StartedAt);
            Assert.NotNull(stopped.EndedAt);
            Assert.NotNull(stopped.PromotedAt);
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(ids[0])));
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(ids[3])));
            Assert.Equal(3, Directory.GetFiles(repo.Repository.LedgerDirectory).Length); // with task 1's, failed in the first batch

            // Terminal runs stay as they are, whatever later batches say.
            var again = store.SetJobTaskStatuses("job", 1, [(0L, RunStatus.Failed), (3L, RunStatus.Running), (1L, RunStatus.Failed)]);
            Assert.Equal((0, 1, 2, 0), (again.Changed, again.Unchanged, again.Refused, again.Missing));
            Assert.Equal(RunStatus.Complete, store.Get(ids[0]).Status);
        }
    }

    [Fact]
    public void Batches_spanning_many_tasks_end_exactly_as_the_same_changes_made_one_at_a_time()
    {
        const int tasks = 1500;
        var statuses = new[] { RunStatus.Queued, RunStatus.Running, RunStatus.Complete, RunStatus.Failed, RunStatus.Stopped };
        var random = new Random(18);

        // Four rounds of changes; each task changes in some rounds, some twice in a round, some to a status it has.
        var rounds = Enumerable.Range(0, 4).Select(_ =>
            Enumerable.Range(0, tasks * 3 / 2).Select(_ => ((long)random.Next(tasks + 20), statuses[random.Next(statuses.Length)])).ToList()).ToList();

        using var batchRepo = Initialized(out var batched);
        using var singleRepo = Initialized(out var single);
        using (batched)
        using (single)
        {
            var statepoints = Enumerable.Range(0, tasks).Select(i => ((long)i, Statepoint(i % 1400))).ToList();
            batched.CreateJobRuns("sweep", 1, statepoints);
            single.CreateJobRuns("sweep", 1, statepoints);
            var batchTotals = new int[5];
            var singleTotals = new int[5];
            foreach (var round in rounds)
            {
                Add(batchTotals, batched.SetJobTaskStatuses("sweep", 1, round));
                foreach (var one in round)
                {
                    Add(singleTotals, single.SetJobTaskStatuses("sweep", 1, [one]));
                }
            }

            Assert.Equal(singleTotals, batchTotals);
            Assert.True(batchTotals[2] > 0, "the rounds include refused moves of terminal runs");
            Assert.Equal(Rows(single), Rows(batched));
            var entries = Directory.GetFiles(singleRepo.Repository.LedgerDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(entries, Directory.GetFiles(batchRepo.Repository.LedgerDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(batchTotals[4], entries.Count);
            foreach (var entry in entries)
            {
                Assert.Equal(
                    File.ReadAllText(Path.Combine(singleRepo.Repository.LedgerDirectory, entry!)),
                    File.ReadAllText(Path.Combine(batchRepo.Repository.LedgerDirectory, entry!)));
            }
        }
    }

    /// <summary>Both ways a batch's entries are made durable: an fsync each (a small batch) and one file-system flush for all.</summary>
    [Theory]
    [InlineData(50)]
    [InlineData(200)]
    public void An_entry_that_cannot_be_written_mid_batch_is_reported_the_statuses_stand_and_Sync_writes_it_later(int tasks)
    {
        using var repo = Initialized(out var store);
        using (store)
        {
            store.CreateJobRuns("job", 1, Enumerable.Range(0, tasks).Select(i => ((long)i, Statepoint(i))));
            var ids = store.JobRunIds("job", 1);

            // A directory where one entry goes: its rename fails (also for root, unlike a read-only mode).
            Directory.CreateDirectory(repo.Repository.LedgerEntryPath(ids[tasks / 2]));
            var change = store.SetJobTaskStatuses("job", 1, Enumerable.Range(0, tasks).Select(i => ((long)i, RunStatus.Complete)));

            Assert.Equal((tasks, tasks - 1), (change.Changed, change.Promoted));
            var failure = Assert.Single(change.PromotionFailures);
            Assert.Equal((ids[tasks / 2], false), (failure.RunId, failure.Promoted));
            Assert.Contains("Sync-SwarmLedger", failure.Error);
            Assert.All(ids.Values, id => Assert.Equal(RunStatus.Complete, store.Get(id).Status));
            var broken = store.Get(ids[tasks / 2]);
            Assert.Null(broken.PromotedAt);
            Assert.Equal(failure.Error, broken.PromotionError);
            Assert.All(ids.Values.Where(id => id != ids[tasks / 2]), id => Assert.NotNull(store.Get(id).PromotedAt));

            // Nothing half-written: every file there is a whole entry (no temporary file left behind).
            var files = Directory.GetFiles(repo.Repository.LedgerDirectory);
            Assert.Equal(tasks - 1, files.Length);
            Assert.All(files, file => Assert.EndsWith(".json", file));

            Directory.Delete(repo.Repository.LedgerEntryPath(ids[tasks / 2]));
            var sync = store.Sync();
            Assert.Equal((1, tasks - 1, 0), (sync.Promoted, sync.Skipped, sync.Failed));
            Assert.Null(store.Get(ids[tasks / 2]).PromotionError);
            Assert.NotNull(store.Get(ids[tasks / 2]).PromotedAt);
        }
    }

    private static object Statepoint(int n) => new Dictionary<string, object?> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static void Add(int[] totals, JobRunsChange change)
    {
        totals[0] += change.Changed;
        totals[1] += change.Unchanged;
        totals[2] += change.Refused;
        totals[3] += change.Missing;
        totals[4] += change.Promoted;
    }

    private static List<string> Rows(RunStore store) => store.List()
        .OrderBy(run => run.Id, StringComparer.Ordinal)
        .Select(run => $"{run.Id} {run.Status} {run.StartedAt:O} {run.EndedAt:O} {run.WallSeconds} {run.PromotedAt:O} {run.PromotionError}")
        .ToList();

    /// <summary>An initialised repository whose store reads a clock that stands still, so a batch and single changes stamp alike.</summary>
    private static TemporaryRepository Initialized(out RunStore store)
    {
        var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        store = RunStore.Open(repo.Root, new RunStoreOptions { Clock = new FrozenClock(Start), CaptureCodeVersion = false });
        return repo;
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
