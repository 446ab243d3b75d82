using SwarmPS.Engine.Intents;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Intents;

/// <summary>Runs recorded in a real run store and promoted to a real ledger, with a clock the test sets, so walltimes are exact.</summary>
public sealed class IntentRunsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    private sealed class SetClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = T0;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static Dictionary<string, object?> Statepoint(string[] command, IReadOnlyDictionary<string, string> parameters, int attempt = 1) =>
        LedgerRunRecorder.Statepoint(command, parameters, attempt);

    private static void Finish(RunStore store, SetClock clock, object statepoint, double seconds, RunStatus status = RunStatus.Complete)
    {
        var run = store.CreateRun(statepoint);
        store.SetStatus(run.Id, RunStatus.Running);
        clock.Now += TimeSpan.FromSeconds(seconds);
        store.SetStatus(run.Id, status);
        clock.Now += TimeSpan.FromMinutes(1);
    }

    [Fact]
    public void Each_campaign_gets_its_finished_runs_and_no_others()
    {
        using var repo = new TemporaryRepository();
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        var sweeps = Path.Combine(repo.Root, "sweeps");
        var lr = TaskSet.Product([TaskAxis.Of("lr", [0.1, 0.01])]);
        var depth = TaskSet.Product([TaskAxis.Of("depth", [2, 4, 8])]);
        var early = IntentFile.Write(IntentFile.PathIn(sweeps, "lr-1"), IntentFileTests.Compose(lr, "lr-1", sweeps, T0 - TimeSpan.FromDays(2)), false);
        var again = IntentFile.Write(IntentFile.PathIn(sweeps, "lr-2"), IntentFileTests.Compose(lr, "lr-2", sweeps, T0 + TimeSpan.FromDays(1)), false);
        var deep = IntentFile.Write(IntentFile.PathIn(sweeps, "depth"), IntentFileTests.Compose(depth, "depth", sweeps, T0 - TimeSpan.FromDays(1), command: ["python3", "deep.py"]), false);

        var clock = new SetClock();
        using (var store = RunStore.Open(repo.Root, new RunStoreOptions { Clock = clock, CaptureCodeVersion = false }))
        {
            string[] train = ["python3", Path.Combine(repo.Root, "train.py")];   // as Submit-SwarmJob resolves it; the ledger shows ./train.py
            Finish(store, clock, Statepoint(train, lr.GetTask(0)), 10);
            Finish(store, clock, Statepoint(train, lr.GetTask(1)), 30);
            Finish(store, clock, Statepoint(train, lr.GetTask(1), attempt: 2), 20);                  // a resumed attempt is a run of the same campaign
            Finish(store, clock, Statepoint(["python3", "other.py"], lr.GetTask(0)), 99);   // another program
            Finish(store, clock, Statepoint(train, new Dictionary<string, string> { ["lr"] = "0.5" }), 99);  // not one of the tasks
            Finish(store, clock, new Dictionary<string, object?> { ["lr"] = "0.1" }, 99);  // not a scheduler run
            Finish(store, clock, Statepoint(["python3", "deep.py"], depth.GetTask(2)), 7, RunStatus.Failed);  // failed: not finished
            Finish(store, clock, Statepoint(["python3", "deep.py"], depth.GetTask(0)), 5);

            clock.Now = T0 + TimeSpan.FromDays(2);                                                    // after lr-2 was saved
            Finish(store, clock, Statepoint(train, lr.GetTask(0), attempt: 3), 40);
        }

        var runs = IntentRuns.Find([early, again, deep]);
        Assert.Empty(runs.Notes);
        Assert.Equal([10.0, 20.0, 30.0], runs.RunsByIntent[0].Select(r => r.WallSeconds!.Value).Order());
        Assert.Equal([40.0], runs.RunsByIntent[1].Select(r => r.WallSeconds!.Value));
        Assert.Equal([5.0], runs.RunsByIntent[2].Select(r => r.WallSeconds!.Value));

        var rollup = IntentRollup.Of([early, again, deep], runs.RunsByIntent);
        Assert.Equal((5, 3), (rollup.Runs, rollup.CampaignsWithRuns));
        Assert.Equal(new ObservedSummary(5, 5, 20, 40, 40), rollup.WallSeconds);
    }

    [Fact]
    public void An_intent_outside_a_repository_has_no_runs()
    {
        var dir = Directory.CreateTempSubdirectory("swarmps-intent-").FullName;
        try
        {
            var intent = IntentFile.Write(IntentFile.PathIn(dir, "x"), IntentFileTests.Compose(IntentFileTests.Sweep(), "x", dir, T0), false);
            Assert.Empty(IntentRuns.Find([intent]).RunsByIntent[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
