using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The estimate's task duration from the run store: real runs in a real .swarm/runs.db, as the scheduler's
/// recorder writes them (statepoint command + parameters); only the wall seconds are set by SQL afterwards,
/// so the median is known exactly.
/// </summary>
public sealed class TaskDurationHistoryTests : IDisposable
{
    private static readonly string[] Command = { "bash", "-c", "true" };
    private readonly TemporaryRepository _repo = new();

    public TaskDurationHistoryTests() => RepositoryInitializer.Initialize(_repo.Root, "test-machine");

    public void Dispose() => _repo.Dispose();

    private void Record(IReadOnlyList<string> command, int seed, RunStatus end, double wallSeconds, int attempt = 1)
    {
        using (var store = RunStore.Open(_repo.Root, new RunStoreOptions { CaptureCodeVersion = false }))
        {
            var run = store.CreateRun(LedgerRunRecorder.Statepoint(command, new Dictionary<string, string> { ["seed"] = seed.ToString() }, attempt));
            store.SetStatus(run.Id, RunStatus.Running);
            store.SetStatus(run.Id, end);
            using var connection = new SqliteConnection("Data Source=" + SwarmRepository.At(_repo.Root).RunStorePath + ";Pooling=false");
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE runs SET wall_seconds = $wall WHERE id = $id;";
            update.Parameters.AddWithValue("$wall", wallSeconds);
            update.Parameters.AddWithValue("$id", run.Id);
            update.ExecuteNonQuery();
        }
    }

    [Fact]
    public void The_median_of_the_commands_complete_runs_and_nothing_else()
    {
        Record(Command, 1, RunStatus.Complete, 10);
        Record(Command, 2, RunStatus.Complete, 20);
        Record(Command, 3, RunStatus.Complete, 30, attempt: 2); // a resumed attempt is the same command
        Record(Command, 4, RunStatus.Complete, 1000);
        Record(Command, 5, RunStatus.Failed, 5000);              // failed runs do not say how long a task takes
        Record(new[] { "bash", "-c", "false" }, 1, RunStatus.Complete, 7000);
        Record(new[] { "python", "x.py" }, 1, RunStatus.Complete, 9000);

        var history = TaskDurationHistory.Find(_repo.Root, Command);

        Assert.NotNull(history);
        Assert.Equal(4, history.Runs);
        Assert.Equal(TimeSpan.FromSeconds(25), history.Duration);
        Assert.Equal("ledger (4 runs)", history.Source);
    }

    [Fact]
    public void A_command_that_only_appears_inside_another_statepoint_is_not_matched()
    {
        using (var store = RunStore.Open(_repo.Root, new RunStoreOptions { CaptureCodeVersion = false }))
        {
            var run = store.CreateRun(new Dictionary<string, object?> { ["command"] = new List<string> { "python" }, ["parameters"] = new Dictionary<string, object?> { ["x"] = new List<string>(Command) } });
            store.SetStatus(run.Id, RunStatus.Running);
            store.SetStatus(run.Id, RunStatus.Complete);
        }

        Assert.Null(TaskDurationHistory.Find(_repo.Root, Command));
    }

    [Fact]
    public void No_store_no_runs_or_a_broken_store_give_no_history()
    {
        using var bare = new TemporaryRepository(git: false);
        Assert.Null(TaskDurationHistory.Find(bare.Root, Command));
        Assert.Null(TaskDurationHistory.Find(_repo.Root, Command)); // initialised, no runs yet

        using var broken = new TemporaryRepository(git: false);
        Directory.CreateDirectory(Path.Combine(broken.Root, ".swarm"));
        File.WriteAllText(Path.Combine(broken.Root, ".swarm", "runs.db"), "not a database");
        Assert.Null(TaskDurationHistory.Find(broken.Root, Command));
    }

    [Fact]
    public async Task A_plan_without_a_task_duration_takes_the_estimate_from_the_repositorys_runs()
    {
        Record(Command, 1, RunStatus.Complete, 60);
        Record(Command, 2, RunStatus.Complete, 120);
        Record(Command, 3, RunStatus.Complete, 180);
        var site = new SiteProfile { Name = "local", Scheduler = SchedulerKind.Local, RunRoot = Path.Combine(_repo.Root, "runs") };
        var tasks = TaskSet.Product(new[] { TaskAxis.Seeds(4) });

        var fromLedger = await WavePlanner.PlanAsync(site, Command, tasks, new JobPlanOptions { Throttle = 2 }, JobOrigin.At(_repo.Root));
        Assert.Equal(("ledger (3 runs)", TimeSpan.FromMinutes(4)), (fromLedger.EstimateSource, fromLedger.EstimatedWallClock));

        var given = await WavePlanner.PlanAsync(site, Command, tasks, new JobPlanOptions { Throttle = 2, TaskDuration = TimeSpan.FromMinutes(1) }, JobOrigin.At(_repo.Root));
        Assert.Equal(("-TaskDuration", TimeSpan.FromMinutes(2)), (given.EstimateSource, given.EstimatedWallClock));

        var other = await WavePlanner.PlanAsync(site, new[] { "bash", "-c", "exit 0" }, tasks, new JobPlanOptions(), JobOrigin.At(_repo.Root));
        Assert.Equal((null, null), (other.EstimateSource, other.EstimatedWallClock));
    }
}
