using System.Globalization;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// This machine's record of runs, <c>.swarm/runs.db</c> (SQLite in WAL mode). Several processes (job
/// steps, cmdlets, the scheduler) may write at once: every change runs in an IMMEDIATE transaction and
/// waits up to <see cref="RunStoreOptions.BusyTimeout"/> for the lock. One instance is one connection;
/// use it from one thread at a time.
/// Every status change goes through <see cref="SetStatus"/>; a terminal one promotes the run to the
/// ledger after the status is committed, so a failed promotion never loses the status.
/// </summary>
public sealed partial class RunStore : IDisposable
{
    private const int StoreSchemaVersion = 3;

    /// <summary>What every status change writes; the stamps come from <see cref="Stamps"/>.</summary>
    private const string UpdateStatusColumnsSql = """
        UPDATE runs SET status = $status, started_at = $started, ended_at = $ended, wall_seconds = $wall,
            code_commit = COALESCE($commit, code_commit), code_dirty = COALESCE($dirty, code_dirty)
        """;

    /// <summary>One run's status change, by id.</summary>
    private const string UpdateStatusSql = UpdateStatusColumnsSql + " WHERE id = $id;";

    /// <summary>The same change for many runs at once, by rowid (<c>$seqs</c>: a JSON list), for a batch that read the rowids already.</summary>
    private const string UpdateStatusOfSeqsSql = UpdateStatusColumnsSql + " WHERE seq IN (SELECT value FROM json_each($seqs));";

    /// <summary>
    /// The one way a run is recorded: a new run is created; one already recorded (same statepoint, so
    /// same id) is left as it is.
    /// </summary>
    private const string InsertRunSql = """
        INSERT OR IGNORE INTO runs (id, statepoint, status, machine, created_at, code_commit, code_dirty, working_directory)
        VALUES ($id, $statepoint, $status, $machine, $created, $commit, $dirty, $workdir);
        """;

    private readonly SqliteConnection _connection;
    private readonly RunStoreOptions _options;

    private RunStore(SwarmRepository repository, SqliteConnection connection, RunStoreOptions options, string machine, RunIdScheme idScheme)
    {
        Repository = repository;
        _connection = connection;
        _options = options;
        Machine = machine;
        IdScheme = idScheme;
    }

    public SwarmRepository Repository { get; }

    /// <summary>The label new runs are recorded under (machine.json, else the short host name).</summary>
    public string Machine { get; }

    /// <summary>How new runs get their id: the repository's committed choice (.swarm/config.json).</summary>
    public RunIdScheme IdScheme { get; }

    /// <summary>Opens (creating if needed) the store of an initialised repository.</summary>
    public static RunStore Open(string repositoryRoot, RunStoreOptions? options = null)
    {
        options ??= RunStoreOptions.Default;
        var repository = SwarmRepository.At(repositoryRoot).EnsureInitialized();
        var machine = MachineLabel.Current(repository);
        var idScheme = RepositoryConfig.Current(repository).IdScheme;
        PrepareStoreFile(repository);
        var connection = RunStoreConnection.Open(repository.RunStorePath, SqliteOpenMode.ReadWriteCreate, options.BusyTimeout);
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=NORMAL;");
            Migrate(connection, repository);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new RunStore(repository, connection, options, machine, idScheme);
    }

    /// <summary>
    /// Makes sure SQLite opens a regular, owner-only file: created 0600 here before SQLite sees it
    /// (SQLite gives its WAL and shared-memory files the database's mode), and one made by an older
    /// SwarmPS tightened. A link or a FIFO in its place is refused: SQLite would write through the one
    /// and block on the other.
    /// </summary>
    private static void PrepareStoreFile(SwarmRepository repository)
    {
        OwnerOnly.Tighten(repository.SwarmDirectory);
        if (!RunStoreConnection.IsStoreFile(repository))
        {
            OwnerOnly.CreateFile(repository.RunStorePath);
        }

        foreach (var path in new[] { repository.RunStorePath, repository.RunStorePath + "-wal", repository.RunStorePath + "-shm" })
        {
            OwnerOnly.Tighten(path);
        }
    }

    /// <summary>
    /// Brings the schema to <see cref="StoreSchemaVersion"/>. Foreign keys are off while it runs (SQLite's own
    /// procedure for changing a table): schema 3 rebuilds <c>runs</c>, which <c>run_experiments</c> and
    /// <c>job_tasks</c> reference, and the drop of the old table would otherwise fail on those references
    /// although every id is in the new one. <c>PRAGMA foreign_key_check</c> proves that before the commit.
    /// </summary>
    private static void Migrate(SqliteConnection connection, SwarmRepository repository)
    {
        var foreignKeys = Convert.ToInt32(Scalar(connection, null, "PRAGMA foreign_keys;"), CultureInfo.InvariantCulture);
        Execute(connection, "PRAGMA foreign_keys = OFF;");
        try
        {
            MigrateSchema(connection, repository);
        }
        finally
        {
            Execute(connection, $"PRAGMA foreign_keys = {foreignKeys};");
        }
    }

    private static void MigrateSchema(SqliteConnection connection, SwarmRepository repository)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > StoreSchemaVersion)
        {
            throw new SwarmException(
                "RunStoreTooNew",
                $"The run store '{repository.RunStorePath}' has schema version {version}; this SwarmPS understands up to {StoreSchemaVersion}.",
                "Update SwarmPS on this machine.",
                SwarmErrorCategory.InvalidData,
                repository.RunStorePath);
        }

        if (version < 1)
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS runs (
                    id TEXT PRIMARY KEY,
                    statepoint TEXT NOT NULL,
                    status TEXT NOT NULL,
                    machine TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    ended_at TEXT,
                    wall_seconds REAL,
                    code_commit TEXT,
                    code_dirty INTEGER,
                    tracker_backend TEXT,
                    tracker_run_id TEXT,
                    tracker_url TEXT,
                    tracker_project TEXT,
                    tracker_config TEXT,
                    working_directory TEXT,
                    promoted_at TEXT,
                    promotion_error TEXT
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS runs_status ON runs(status);
                CREATE TABLE IF NOT EXISTS run_experiments (
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    experiment TEXT NOT NULL,
                    PRIMARY KEY (run_id, experiment)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS run_experiments_experiment ON run_experiments(experiment);
                PRAGMA user_version = 1;
                """, transaction);
        }

        if (version < 2)
        {
            // Which run each task of a scheduler job attempt is (Submit-SwarmJob); see RunStore.JobTasks.cs.
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS job_tasks (
                    job TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    task INTEGER NOT NULL,
                    run_id TEXT NOT NULL REFERENCES runs(id),
                    PRIMARY KEY (job, attempt, task)
                ) WITHOUT ROWID;
                PRAGMA user_version = 2;
                """, transaction);
        }

        if (version < 3)
        {
            // Runs in the order they arrive, not by their hashed id. Keyed by id (WITHOUT ROWID), the 1,000
            // runs of one array lay on ~1,000 scattered pages of the table and of runs_status, and every
            // status change of a sweep rewrote them all (docs/benchmarks.md, issue 18). With a rowid, a
            // sweep's runs are neighbours, in the table and in runs_status (status, rowid), so a batch
            // touches a few dozen pages. The id stays the unique key every lookup uses.
            Execute(connection, """
                CREATE TABLE runs_in_arrival_order (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    statepoint TEXT NOT NULL,
                    status TEXT NOT NULL,
                    machine TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    ended_at TEXT,
                    wall_seconds REAL,
                    code_commit TEXT,
                    code_dirty INTEGER,
                    tracker_backend TEXT,
                    tracker_run_id TEXT,
                    tracker_url TEXT,
                    tracker_project TEXT,
                    tracker_config TEXT,
                    working_directory TEXT,
                    promoted_at TEXT,
                    promotion_error TEXT
                );
                INSERT INTO runs_in_arrival_order (id, statepoint, status, machine, created_at, started_at, ended_at,
                    wall_seconds, code_commit, code_dirty, tracker_backend, tracker_run_id, tracker_url, tracker_project,
                    tracker_config, working_directory, promoted_at, promotion_error)
                SELECT id, statepoint, status, machine, created_at, started_at, ended_at,
                    wall_seconds, code_commit, code_dirty, tracker_backend, tracker_run_id, tracker_url, tracker_project,
                    tracker_config, working_directory, promoted_at, promotion_error
                FROM runs ORDER BY created_at, id;
                DROP INDEX runs_status;
                DROP TABLE runs;
                ALTER TABLE runs_in_arrival_order RENAME TO runs;
                CREATE INDEX runs_status ON runs(status);
                PRAGMA user_version = 3;
                """, transaction);
            if (Scalar(connection, transaction, "PRAGMA foreign_key_check;") is not null)
            {
                throw new SwarmException(
                    "RunStoreUnavailable",
                    $"The run store '{repository.RunStorePath}' links runs that it does not hold (PRAGMA foreign_key_check), so it was not moved to schema 3 and is left as it was.",
                    "Copy .swarm/runs.db aside and report it; the ledger (.swarm/ledger/) is unaffected. Move the file aside and run Initialize-SwarmRepository to start a new store.",
                    SwarmErrorCategory.InvalidData,
                    repository.RunStorePath);
            }
        }

        transaction.Commit();
    }

    /// <summary>
    /// Records a run for a statepoint, or returns the one already recorded: the id is derived from the
    /// parameters, so asking twice (a retried job, a second machine) gives the same run.
    /// </summary>
    public LedgerRun CreateRun(object? statepoint, string? workingDirectory = null)
    {
        var (id, canonical) = LedgerRunId.Identify(statepoint, IdScheme);
        var existing = Find(id);
        if (existing is not null)
        {
            return existing;
        }

        var code = _options.CaptureCodeVersion ? CodeVersion.Read(Repository.Root) : CodeVersion.Unknown;
        using var transaction = _connection.BeginTransaction(deferred: false);
        Execute(_connection, InsertRunSql, transaction,
            ("$id", id), ("$statepoint", canonical), ("$status", RunStatus.Created.ToName()), ("$machine", Machine),
            ("$created", Now()), ("$commit", code.Commit), ("$dirty", code.Dirty), ("$workdir", workingDirectory));
        transaction.Commit();
        return Get(id);
    }

    /// <summary>The run with this id, or <c>RunNotFound</c>.</summary>
    public LedgerRun Get(string id) => Find(LedgerRunId.Validate(id)) ?? throw RunNotFound(id);

    public LedgerRun? Find(string id)
    {
        if (!LedgerRunId.IsValid(id))
        {
            return null;
        }

        return Query("WHERE r.id = $id", null, ("$id", id)).FirstOrDefault();
    }

    /// <summary>Runs, newest first, optionally of one status and/or linked to one experiment.</summary>
    public IReadOnlyList<LedgerRun> List(RunStatus? status = null, string? experiment = null)
    {
        var conditions = new List<string>();
        if (status is not null)
        {
            conditions.Add("r.status = $status");
        }

        if (experiment is not null)
        {
            conditions.Add("EXISTS (SELECT 1 FROM run_experiments x WHERE x.run_id = r.id AND x.experiment = $experiment)");
        }

        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        return Query(where, null, ("$status", status?.ToName()), ("$experiment", experiment))
            .OrderByDescending(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>How many runs this machine's store holds.</summary>
    public int CountRuns() => Convert.ToInt32(Scalar(_connection, null, "SELECT COUNT(*) FROM runs;"), CultureInfo.InvariantCulture);

    /// <summary>
    /// The one way a run's status changes. Terminal transitions stamp the end time and wall seconds and
    /// then promote the run; the promotion's outcome is returned, never thrown. The first start re-reads the
    /// code version (a queued job may start hours after it was created), unless <paramref name="codeAtStart"/>
    /// gives the one just read: a step recorded as it happens (TrainingLedger) creates and starts its run in
    /// the same moment, and each reading is two git processes.
    /// </summary>
    public RunChange SetStatus(string id, RunStatus status, CodeVersion? codeAtStart = null) => Change(id, (current, transaction) =>
    {
        RunStatusTransition.EnsureAllowed(id, current.Status, status);
        if (current.Status == status)
        {
            return false;
        }

        var (started, ended, wall, firstStart) = Stamps(status, current.StartedAt is { } s ? LedgerProjection.Timestamp(s) : null, Now());
        var code = firstStart && _options.CaptureCodeVersion ? codeAtStart ?? CodeVersion.Read(Repository.Root) : CodeVersion.Unknown;
        Execute(_connection, UpdateStatusSql, transaction,
            ("$id", id), ("$status", status.ToName()), ("$started", started), ("$ended", ended), ("$wall", wall),
            ("$commit", code.Commit), ("$dirty", code.Dirty));
        return true;
    });

    /// <summary>
    /// What a move to <paramref name="status"/> writes: the first move to running stamps the start (and the
    /// caller re-reads the code version); a terminal move stamps the end and the wall-clock seconds.
    /// </summary>
    private static (string? Started, string? Ended, double? Wall, bool FirstStart) Stamps(RunStatus status, string? started, string now)
    {
        var firstStart = status == RunStatus.Running && started is null;
        if (firstStart)
        {
            started = now;
        }

        if (!status.IsTerminal())
        {
            return (started, null, null, firstStart);
        }

        double? wall = started is null ? null : Math.Round(Math.Max(0, (Parse(now) - Parse(started)).TotalSeconds), 3);
        return (started, now, wall, firstStart);
    }

    /// <summary>Links a run to experiments (kept, never replaced); a terminal run is promoted again.</summary>
    public RunChange LinkExperiments(string id, IEnumerable<string> experiments)
    {
        var names = experiments.Select(ExperimentName.Validate).Distinct(StringComparer.Ordinal).ToList();
        return Change(id, (_, transaction) =>
        {
            foreach (var name in names)
            {
                Execute(_connection, "INSERT OR IGNORE INTO run_experiments (run_id, experiment) VALUES ($id, $experiment);", transaction,
                    ("$id", id), ("$experiment", name));
            }

            return true;
        });
    }

    /// <summary>Points a run at its tracker record; the configuration stays local. A terminal run is promoted again.</summary>
    public RunChange SetTracker(string id, TrackerPointer tracker, string? configuration = null)
    {
        if (string.IsNullOrWhiteSpace(tracker.Backend))
        {
            throw new SwarmException(
                "TrackerBackendMissing",
                $"The tracker pointer for run {id} names no backend.",
                "Give the backend, e.g. -TrackerBackend mlflow.",
                SwarmErrorCategory.InvalidArgument,
                id);
        }

        return Change(id, (_, transaction) =>
        {
            Execute(_connection, """
                UPDATE runs SET tracker_backend = $backend, tracker_run_id = $run, tracker_url = $url, tracker_project = $project,
                    tracker_config = COALESCE($config, tracker_config)
                WHERE id = $id;
                """, transaction,
                ("$id", id), ("$backend", tracker.Backend), ("$run", tracker.RunId), ("$url", tracker.Url), ("$project", tracker.Project), ("$config", configuration));
            return true;
        });
    }

    /// <summary>Writes one terminal run's ledger entry now (Publish-SwarmLedgerEntry).</summary>
    public PromotionOutcome Publish(string id)
    {
        var run = Get(id);
        if (!run.IsTerminal)
        {
            throw new SwarmException(
                "RunNotTerminal",
                $"Run {id} is {run.Status.ToName()}; only {TerminalWords} runs go to the ledger.",
                $"Finish it first, e.g. Set-SwarmRunStatus -Id {id} -Status complete.",
                SwarmErrorCategory.InvalidOperation,
                id);
        }

        return PromoteAndRecord(run);
    }

    /// <summary>
    /// Promotes every terminal run whose entry is missing from the ledger directory (all of them with
    /// <paramref name="overwrite"/>). One failure is counted and reported; the rest go on.
    /// </summary>
    public LedgerSyncResult Sync(bool overwrite = false, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var present = overwrite ? new HashSet<string>(StringComparer.Ordinal) : LedgerDirectoryListing.EntryIds(Repository);
        var (terminalList, terminalValues) = RunStoreConnection.StatusList(RunStatusNames.Terminal);
        var terminal = Query("WHERE r.status IN " + terminalList, null, terminalValues);
        var due = terminal.Where(run => !present.Contains(run.Id)).ToList();
        var skipped = terminal.Count - due.Count;
        var failures = new List<PromotionOutcome>();
        var promoted = 0;
        var done = skipped;
        progress?.Report((done, terminal.Count));

        // The store is updated after each batch of 1,000, on this thread, because one connection is one thread.
        var rule = RedactionRuleOrNull();
        foreach (var chunk in due.Chunk(1000))
        {
            var (succeeded, failed) = PromoteRuns(chunk, rule, cancellationToken);
            promoted += succeeded;
            failures.AddRange(failed);
            done += chunk.Length;
            progress?.Report((done, terminal.Count));
        }

        return new LedgerSyncResult(promoted, skipped, failures.Count, failures);
    }

    /// <summary>The repository's redaction rule read once for many promotions; null (each promotion then reports the problem) when its file is broken.</summary>
    private RedactionRule? RedactionRuleOrNull()
    {
        try
        {
            return RedactionRule.ForRepository(Repository);
        }
        catch (SwarmException)
        {
            return null;
        }
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>
    /// Every change of one run: <paramref name="apply"/> sees the run as it is inside an IMMEDIATE
    /// transaction and says whether it wrote anything. A change that wrote is promoted after the commit
    /// when the run is terminal (a failed promotion never undoes it); one that did not is returned as it is.
    /// </summary>
    private RunChange Change(string id, Func<LedgerRun, SqliteTransaction, bool> apply)
    {
        LedgerRunId.Validate(id);
        RunStatus previous;
        using (var transaction = _connection.BeginTransaction(deferred: false))
        {
            var current = Find(id, transaction) ?? throw RunNotFound(id);
            previous = current.Status;
            var changed = apply(current, transaction);
            transaction.Commit();
            if (!changed)
            {
                return new RunChange(current, previous, null);
            }
        }

        var run = Get(id);
        return new RunChange(run, previous, run.IsTerminal ? PromoteAndRecord(run) : null);
    }

    private PromotionOutcome PromoteAndRecord(LedgerRun run)
    {
        var at = _options.Clock.GetUtcNow();
        var outcome = LedgerPromoter.Promote(Repository, run, at);
        RecordPromotions(outcome.Promoted ? [(run.Id, LedgerProjection.Timestamp(at))] : [], outcome.Promoted ? [] : [outcome]);
        return outcome;
    }

    /// <summary>
    /// Writes the entries of many terminal runs (<see cref="LedgerPromoter.PromoteAll"/>) and notes them in
    /// the store: how many were written, and the failures.
    /// </summary>
    private (int Promoted, List<PromotionOutcome> Failed) PromoteRuns(IReadOnlyList<LedgerRun> runs, RedactionRule? rule, CancellationToken cancellationToken = default)
    {
        var outcomes = LedgerPromoter.PromoteAll(Repository, runs, _options.Clock, rule, cancellationToken);
        var succeeded = outcomes.Where(o => o.Outcome.Promoted).Select(o => (o.Outcome.RunId, LedgerProjection.Timestamp(o.At))).ToList();
        var failed = outcomes.Where(o => !o.Outcome.Promoted).Select(o => o.Outcome).ToList();
        RecordPromotions(succeeded, failed);
        return (succeeded.Count, failed);
    }

    /// <summary>
    /// Notes promotions in the store, two set-based UPDATEs in one transaction; bookkeeping only, so a busy
    /// store never undoes a written entry.
    /// </summary>
    private void RecordPromotions(IReadOnlyCollection<(string Id, string At)> succeeded, IEnumerable<PromotionOutcome> failed)
    {
        var failures = failed.ToList();
        if (succeeded.Count == 0 && failures.Count == 0)
        {
            return;
        }

        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            if (succeeded.Count > 0)
            {
                Execute(_connection, """
                    UPDATE runs SET promoted_at = json_extract(p.value, '$[1]'), promotion_error = NULL
                    FROM json_each($rows) p WHERE runs.id = json_extract(p.value, '$[0]');
                    """, transaction, ("$rows", JsonRows(succeeded.Select(p => new object?[] { p.Id, p.At }))));
            }

            if (failures.Count > 0)
            {
                Execute(_connection, """
                    UPDATE runs SET promotion_error = json_extract(p.value, '$[1]')
                    FROM json_each($rows) p WHERE runs.id = json_extract(p.value, '$[0]');
                    """, transaction, ("$rows", JsonRows(failures.Select(f => new object?[] { f.RunId, f.Error }))));
            }

            transaction.Commit();
        }
        catch (SqliteException)
        {
            // The ledger file is the truth for promotion; Sync compares files, not these columns.
        }
    }

    /// <summary>
    /// Rows for a set-based statement as one JSON parameter (<c>json_each</c>): a batch of any size is one
    /// statement and one round trip. Values are strings, numbers or null.
    /// </summary>
    private static string JsonRows(IEnumerable<object?[]> rows) => System.Text.Json.JsonSerializer.Serialize(rows);

    private LedgerRun? Find(string id, SqliteTransaction transaction) =>
        Query("WHERE r.id = $id", transaction, ("$id", id)).FirstOrDefault();

    private List<LedgerRun> Query(string where, SqliteTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var experiments = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        using (var links = _connection.CreateCommand())
        {
            links.Transaction = transaction;
            links.CommandText = $"SELECT x.run_id, x.experiment FROM run_experiments x JOIN runs r ON r.id = x.run_id {where} ORDER BY x.experiment;";
            Bind(links, parameters);
            using var reader = links.ExecuteReader();
            while (reader.Read())
            {
                var runId = reader.GetString(0);
                if (!experiments.TryGetValue(runId, out var list))
                {
                    experiments[runId] = list = [];
                }

                list.Add(reader.GetString(1));
            }
        }

        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT r.id, r.statepoint, r.status, r.machine, r.created_at, r.started_at, r.ended_at, r.wall_seconds,
                   r.code_commit, r.code_dirty, r.tracker_backend, r.tracker_run_id, r.tracker_url, r.tracker_project,
                   r.tracker_config, r.working_directory, r.promoted_at, r.promotion_error
            FROM runs r {where};
            """;
        Bind(command, parameters);
        var runs = new List<LedgerRun>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                runs.Add(new LedgerRun
                {
                    Id = id,
                    Statepoint = reader.GetString(1),
                    Status = RunStatusNames.Parse(reader.GetString(2)),
                    Machine = reader.GetString(3),
                    CreatedAt = Parse(reader.GetString(4)),
                    StartedAt = reader.IsDBNull(5) ? null : Parse(reader.GetString(5)),
                    EndedAt = reader.IsDBNull(6) ? null : Parse(reader.GetString(6)),
                    WallSeconds = reader.IsDBNull(7) ? null : reader.GetDouble(7),
                    CodeCommit = reader.IsDBNull(8) ? null : reader.GetString(8),
                    CodeDirty = reader.IsDBNull(9) ? null : reader.GetInt64(9) != 0,
                    Tracker = reader.IsDBNull(10) ? null : new TrackerPointer(
                        reader.GetString(10),
                        reader.IsDBNull(11) ? null : reader.GetString(11),
                        reader.IsDBNull(12) ? null : reader.GetString(12),
                        reader.IsDBNull(13) ? null : reader.GetString(13)),
                    TrackerConfiguration = reader.IsDBNull(14) ? null : reader.GetString(14),
                    WorkingDirectory = reader.IsDBNull(15) ? null : reader.GetString(15),
                    PromotedAt = reader.IsDBNull(16) ? null : Parse(reader.GetString(16)),
                    PromotionError = reader.IsDBNull(17) ? null : reader.GetString(17),
                    Experiments = experiments.TryGetValue(id, out var linked) ? linked : [],
                });
            }
        }

        return runs;
    }

    /// <summary>"complete, failed, abandoned or stopped", from <see cref="RunStatusNames.Terminal"/>.</summary>
    private static string TerminalWords
    {
        get
        {
            var names = RunStatusNames.Terminal.Select(RunStatusNames.ToName).ToList();
            return string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
        }
    }

    private string Now() => LedgerProjection.Timestamp(_options.Clock.GetUtcNow());

    private static DateTimeOffset Parse(string timestamp) =>
        DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private SwarmException RunNotFound(string id) => new(
        "RunNotFound",
        $"No run {id} in this machine's store ({Repository.RunStorePath}).",
        "List the runs with Get-SwarmRun; a run made on another machine is read with Get-SwarmLedger -Id.",
        SwarmErrorCategory.ObjectNotFound,
        id);

    private static void Bind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.CommandText.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
        }
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Bind(command, parameters);
        command.ExecuteNonQuery();
    }
}
