using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// A run store written by an earlier SwarmPS (schema 2: runs keyed by their id, WITHOUT ROWID) opened by this
/// one: every run, link and task mapping is still there after the move to schema 3 (runs in arrival order),
/// the runs keep working through every path, and a store newer than this SwarmPS is refused, unchanged.
/// </summary>
public sealed class RunStoreMigrationTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The schema-2 store as SwarmPS wrote it before issue 18's change (copied from that commit).</summary>
    private const string SchemaTwo = """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, statepoint TEXT NOT NULL, status TEXT NOT NULL, machine TEXT NOT NULL,
            created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, wall_seconds REAL, code_commit TEXT,
            code_dirty INTEGER, tracker_backend TEXT, tracker_run_id TEXT, tracker_url TEXT, tracker_project TEXT,
            tracker_config TEXT, working_directory TEXT, promoted_at TEXT, promotion_error TEXT
        ) WITHOUT ROWID;
        CREATE INDEX runs_status ON runs(status);
        CREATE TABLE run_experiments (
            run_id TEXT NOT NULL REFERENCES runs(id), experiment TEXT NOT NULL, PRIMARY KEY (run_id, experiment)
        ) WITHOUT ROWID;
        CREATE INDEX run_experiments_experiment ON run_experiments(experiment);
        CREATE TABLE job_tasks (
            job TEXT NOT NULL, attempt INTEGER NOT NULL, task INTEGER NOT NULL, run_id TEXT NOT NULL REFERENCES runs(id),
            PRIMARY KEY (job, attempt, task)
        ) WITHOUT ROWID;
        PRAGMA user_version = 2;
        """;

    [Fact]
    public void A_schema_2_store_keeps_every_run_link_and_task_and_its_runs_go_on_moving()
    {
        using var repo = Initialized();
        var ids = Enumerable.Range(0, 4).Select(i => LedgerRunId.FromStatepoint(new Dictionary<string, object?> { ["seed"] = i })).ToArray();
        WriteStore(repo, SchemaTwo, $$"""
            INSERT INTO runs (id, statepoint, status, machine, created_at, started_at, ended_at, wall_seconds, code_commit,
                code_dirty, tracker_backend, tracker_run_id, tracker_url, tracker_project, tracker_config, working_directory,
                promoted_at, promotion_error) VALUES
              ('{{ids[0]}}', '{"seed":0}', 'complete', 'old-host', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:04.000Z',
               '2026-01-01T00:00:09.500Z', 5.5, 'abc123', 1, 'mlflow', 'r-1', 'http://t/1', 'proj', '{"k":1}', '/scratch/a',
               '2026-01-01T00:00:10.000Z', NULL),
              ('{{ids[1]}}', '{"seed":1}', 'running', 'old-host', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z',
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'disk full'),
              ('{{ids[2]}}', '{"seed":2}', 'queued', 'old-host', '2026-01-01T00:00:02.000Z', NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              ('{{ids[3]}}', '{"seed":3}', 'created', 'old-host', '2026-01-01T00:00:02.000Z', NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            INSERT INTO run_experiments VALUES ('{{ids[0]}}', 'lr-sweep'), ('{{ids[1]}}', 'lr-sweep'), ('{{ids[1]}}', 'warmup');
            INSERT INTO job_tasks VALUES ('job', 1, 0, '{{ids[1]}}'), ('job', 1, 1, '{{ids[2]}}'), ('job', 1, 2, '{{ids[3]}}');
            """);

        using (var store = RunStore.Open(repo.Root, new RunStoreOptions { Clock = new FrozenClock(Start), CaptureCodeVersion = false }))
        {
            var old = store.Get(ids[0]);
            Assert.Equal((RunStatus.Complete, "old-host", "{\"seed\":0}"), (old.Status, old.Machine, old.Statepoint));
            Assert.Equal((5.5, "abc123", true, "/scratch/a"), (old.WallSeconds, old.CodeCommit, old.CodeDirty, old.WorkingDirectory));
            Assert.Equal(("mlflow", "r-1", "http://t/1"), (old.Tracker?.Backend, old.Tracker?.RunId, old.Tracker?.Url));
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 10, TimeSpan.Zero), old.PromotedAt);
            Assert.Equal(["lr-sweep"], old.Experiments);
            Assert.Equal(["lr-sweep", "warmup"], store.Get(ids[1]).Experiments);
            Assert.Equal("disk full", store.Get(ids[1]).PromotionError);
            Assert.Equal(4, store.CountRuns());

            // The task mapping still finds the runs, and a batch moves them by the rule, terminal ones promoted.
            Assert.Equal([ids[1], ids[2], ids[3]], store.JobRunIds("job", 1).OrderBy(p => p.Key).Select(p => p.Value));
            var change = store.SetJobTaskStatuses("job", 1, [(0L, RunStatus.Complete), (1L, RunStatus.Running), (2L, RunStatus.Failed)]);
            Assert.Equal((3, 2, 0), (change.Changed, change.Promoted, change.PromotionFailures.Count));
            Assert.Equal(RunStatus.Running, store.Get(ids[2]).Status);
            Assert.True(File.Exists(repo.Repository.LedgerEntryPath(ids[1])));

            // A statepoint recorded before is the same run; a new one is a new run; a terminal run stays final.
            Assert.Equal(ids[0], store.CreateRun(new Dictionary<string, object?> { ["seed"] = 0 }).Id);
            Assert.Equal(4, store.CountRuns());
            Assert.Equal(RunStatus.Created, store.CreateRun(new Dictionary<string, object?> { ["seed"] = 9 }).Status);
            Assert.Equal(5, store.CountRuns());
            Assert.Equal("RunStatusTerminal", Assert.Throws<SwarmException>(() => store.SetStatus(ids[0], RunStatus.Running)).ErrorId);
        }

        using var connection = OpenRaw(repo);
        Assert.Equal(3L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(0L, Scalar(connection, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'runs_in_arrival_order';"));
        // Arrival order is the old runs' creation order (ties by id), then the runs made after the move.
        Assert.Equal(
            [ids[1], .. new[] { ids[2], ids[3] }.Order(StringComparer.Ordinal), ids[0]],
            Column(connection, "SELECT id FROM runs WHERE machine = 'old-host' ORDER BY seq;"));
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check;"));
    }

    [Fact]
    public void A_store_newer_than_this_SwarmPS_is_refused_and_left_as_it_is()
    {
        using var repo = Initialized();
        WriteStore(repo, SchemaTwo.Replace("PRAGMA user_version = 2;", "PRAGMA user_version = 99;"), "");
        string Schema()
        {
            using var connection = OpenRaw(repo);
            return string.Join("\n", Column(connection, "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name;"));
        }

        var before = Schema();

        var error = Assert.Throws<SwarmException>(() => RunStore.Open(repo.Root).Dispose());

        Assert.Equal("RunStoreTooNew", error.ErrorId);
        Assert.Contains("schema version 99", error.Message);
        Assert.Equal("Update SwarmPS on this machine.", error.Remediation);
        Assert.Equal(before, Schema());
        Assert.Contains("WITHOUT ROWID", before); // still the other SwarmPS's tables, not rebuilt
        using var after = OpenRaw(repo);
        Assert.Equal(99L, Scalar(after, "PRAGMA user_version;"));
    }

    private static TemporaryRepository Initialized()
    {
        var repo = new TemporaryRepository(git: false);
        RepositoryInitializer.Initialize(repo.Root, "cluster");
        return repo;
    }

    private static void WriteStore(TemporaryRepository repo, string schema, string rows)
    {
        File.Delete(repo.Repository.RunStorePath);
        using var connection = OpenRaw(repo);
        using var command = connection.CreateCommand();
        command.CommandText = schema + rows;
        command.ExecuteNonQuery();
    }

    private static SqliteConnection OpenRaw(TemporaryRepository repo)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = repo.Repository.RunStorePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
