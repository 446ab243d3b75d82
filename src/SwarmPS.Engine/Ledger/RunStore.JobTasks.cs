using Microsoft.Data.Sqlite;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The scheduler's bulk side of the store: a sweep creates one run per task and moves thousands of them
/// per poll, so these take whole batches in ONE transaction with prepared statements (100,000 tasks in
/// seconds, not minutes). Each task of a job attempt is mapped to its run in <c>job_tasks</c>, so a later
/// Get-SwarmJob (which has no task set, only the job record) finds the runs by job, attempt and task.
/// Status changes obey the same rule and stamps as <see cref="SetStatus"/>, and terminal ones are promoted
/// to the ledger after the commit, one entry per run.
/// </summary>
public sealed partial class RunStore
{
    /// <summary>
    /// Records a run for each task (idempotent: an existing run with the same statepoint is reused) and
    /// maps (job, attempt, task) to it. Returns how many runs were new.
    /// </summary>
    public int CreateJobRuns(string job, int attempt, IEnumerable<(long Task, object Statepoint)> tasks, string? workingDirectory = null)
    {
        var code = _options.CaptureCodeVersion ? CodeVersion.Read(Repository.Root) : CodeVersion.Unknown;
        var created = Now();
        var count = 0;
        using var transaction = _connection.BeginTransaction(deferred: false);
        using var insertRun = Prepare(transaction, InsertRunSql, "$id", "$statepoint", "$status", "$machine", "$created", "$commit", "$dirty", "$workdir");
        using var mapTask = Prepare(transaction,
            "INSERT OR REPLACE INTO job_tasks (job, attempt, task, run_id) VALUES ($job, $attempt, $task, $id);",
            "$job", "$attempt", "$task", "$id");
        insertRun.Parameters["$status"].Value = RunStatus.Created.ToName();
        insertRun.Parameters["$machine"].Value = Machine;
        insertRun.Parameters["$created"].Value = created;
        insertRun.Parameters["$commit"].Value = (object?)code.Commit ?? DBNull.Value;
        insertRun.Parameters["$dirty"].Value = (object?)code.Dirty ?? DBNull.Value;
        insertRun.Parameters["$workdir"].Value = (object?)workingDirectory ?? DBNull.Value;
        mapTask.Parameters["$job"].Value = job;
        mapTask.Parameters["$attempt"].Value = attempt;
        foreach (var (task, statepoint) in tasks)
        {
            var (id, canonical) = LedgerRunId.Identify(statepoint, IdScheme);
            insertRun.Parameters["$id"].Value = id;
            insertRun.Parameters["$statepoint"].Value = canonical;
            count += insertRun.ExecuteNonQuery();
            mapTask.Parameters["$task"].Value = task;
            mapTask.Parameters["$id"].Value = id;
            mapTask.ExecuteNonQuery();
        }

        transaction.Commit();
        return count;
    }

    /// <summary>The run of each task of one job attempt that has one (tasks submitted before the store existed have none).</summary>
    public IReadOnlyDictionary<long, string> JobRunIds(string job, int attempt)
    {
        var ids = new Dictionary<long, string>();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT task, run_id FROM job_tasks WHERE job = $job AND attempt = $attempt;";
        command.Parameters.AddWithValue("$job", job);
        command.Parameters.AddWithValue("$attempt", attempt);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids[reader.GetInt64(0)] = reader.GetString(1);
        }

        return ids;
    }

    /// <summary>
    /// Moves the runs of some tasks of one job attempt, in one transaction, by the rule of
    /// <see cref="SetStatus"/>: a run already in the asked status is unchanged, a terminal run is never
    /// moved again (counted as refused, not thrown: one finished run must not stop the rest), a task
    /// without a run is counted as missing. Terminal moves are promoted after the commit.
    /// Set-based, because a poll moves thousands: one SELECT reads every run of the batch, the rule runs
    /// here in memory in the batch's order (so two tasks of one run, or one task twice, end as they would
    /// one by one), and one UPDATE writes each moved run's final row.
    /// </summary>
    public JobRunsChange SetJobTaskStatuses(string job, int attempt, IEnumerable<(long Task, RunStatus Status)> changes)
    {
        var batch = changes.ToList();
        var changed = 0;
        var unchanged = 0;
        var refused = 0;
        var missing = 0;
        var terminal = new List<string>();
        using (var transaction = _connection.BeginTransaction(deferred: false))
        {
            var (runOfTask, runs) = ReadJobTaskRuns(job, attempt, batch.Select(c => c.Task), transaction);
            var moved = new Dictionary<string, MovedRun>(StringComparer.Ordinal);
            CodeVersion? code = null;
            var now = Now();
            foreach (var (task, status) in batch)
            {
                if (!runOfTask.TryGetValue(task, out var id))
                {
                    missing++;
                    continue;
                }

                var (current, startedAt, seq) = runs[id];
                if (current == status)
                {
                    unchanged++;
                    continue;
                }

                if (current.IsTerminal())
                {
                    refused++;
                    continue;
                }

                var (started, ended, wall, firstStart) = Stamps(status, startedAt, now);
                if (firstStart && code is null)
                {
                    code = _options.CaptureCodeVersion ? BatchStartCodeVersion() : CodeVersion.Unknown;
                }

                // A run moved twice in one batch keeps the code version of its first start.
                var stamp = firstStart ? code! : moved.TryGetValue(id, out var earlier) ? earlier.Code : CodeVersion.Unknown;
                moved[id] = new MovedRun(seq, status, started, ended, wall, stamp);
                runs[id] = (status, started, seq);
                changed++;
                if (status.IsTerminal())
                {
                    terminal.Add(id);
                }
            }

            WriteMovedRuns(moved, transaction);
            transaction.Commit();
        }

        // Promote after the commit, like SetStatus: a failed promotion never undoes a status.
        var (promoted, failed) = terminal.Count == 0
            ? (0, [])
            : PromoteRuns(QueryIds(terminal), terminal.Count > 1 ? RedactionRuleOrNull() : null);
        return new JobRunsChange(changed, unchanged, refused, missing, promoted, failed);
    }

    /// <summary>
    /// How long a code version read for the first starts of one batch serves the next batches. A poll moves the
    /// runs of every array of a sweep, one batch per array; reading the version per batch was two git processes
    /// each (a hundred arrays: two hundred, and <c>git status</c> of a large tree takes long), while the code
    /// cannot have been seen to change between batches of one poll. A run started later reads it again.
    /// </summary>
    private static readonly TimeSpan BatchStartCodeReuse = TimeSpan.FromSeconds(2);

    private (CodeVersion Version, long ReadAtMilliseconds)? _batchStartCode;

    /// <summary>The code version for the runs a batch starts: read again unless a batch read it within <see cref="BatchStartCodeReuse"/>.</summary>
    private CodeVersion BatchStartCodeVersion()
    {
        // Environment.TickCount64 is monotonic: the store's clock may be a test's frozen one.
        var now = Environment.TickCount64;
        if (_batchStartCode is { } last && now - last.ReadAtMilliseconds < BatchStartCodeReuse.TotalMilliseconds)
        {
            return last.Version;
        }

        var version = CodeVersion.Read(Repository.Root);
        _batchStartCode = (version, Environment.TickCount64);
        return version;
    }

    /// <summary>The new row of a run a batch moved (<paramref name="Seq"/>: its rowid): its status and stamps, and the code version of a first start.</summary>
    private sealed record MovedRun(long Seq, RunStatus Status, string? Started, string? Ended, double? Wall, CodeVersion Code);

    /// <summary>
    /// The run of each of <paramref name="tasks"/> that has one, and each such run's status and start
    /// stamp, in one statement. CROSS JOIN keeps SQLite's join order as written (task list, then primary-key
    /// lookups); left to choose, it scans the attempt's whole job_tasks and the task list once per row.
    /// </summary>
    private (Dictionary<long, string> RunOfTask, Dictionary<string, (RunStatus Status, string? StartedAt, long Seq)> Runs) ReadJobTaskRuns(
        string job, int attempt, IEnumerable<long> tasks, SqliteTransaction transaction)
    {
        var runOfTask = new Dictionary<long, string>();
        var runs = new Dictionary<string, (RunStatus, string?, long)>(StringComparer.Ordinal);
        using var read = _connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = """
            SELECT j.task, r.id, r.status, r.started_at, r.seq
            FROM json_each($tasks) t
            CROSS JOIN job_tasks j ON j.job = $job AND j.attempt = $attempt AND j.task = t.value
            CROSS JOIN runs r ON r.id = j.run_id;
            """;
        read.Parameters.AddWithValue("$tasks", System.Text.Json.JsonSerializer.Serialize(tasks.Distinct()));
        read.Parameters.AddWithValue("$job", job);
        read.Parameters.AddWithValue("$attempt", attempt);
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetString(1);
            runOfTask[reader.GetInt64(0)] = id;
            runs[id] = (RunStatusNames.Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4));
        }

        return (runOfTask, runs);
    }

    /// <summary>
    /// The final rows of the moved runs. Runs a batch moves alike (a poll's thousand tasks seen running have one
    /// status, one start stamp, one code version) are written by one UPDATE over their rowids
    /// (<see cref="UpdateStatusOfSeqsSql"/>); runs with rows of their own, one statement each. Measured on a
    /// quiet machine (docs/benchmarks.md, issue 18): one UPDATE per run cost ~11 µs a run, and an UPDATE over
    /// json_each that took every column from JSON a third more; this takes no column from JSON.
    /// </summary>
    private void WriteMovedRuns(Dictionary<string, MovedRun> moved, SqliteTransaction transaction)
    {
        if (moved.Count == 0)
        {
            return;
        }

        using var update = Prepare(transaction, UpdateStatusOfSeqsSql, "$seqs", "$status", "$started", "$ended", "$wall", "$commit", "$dirty");
        foreach (var alike in moved.Values.GroupBy(run => run with { Seq = 0 }))
        {
            var row = alike.Key;
            update.Parameters["$seqs"].Value = System.Text.Json.JsonSerializer.Serialize(alike.Select(run => run.Seq).Order());
            update.Parameters["$status"].Value = row.Status.ToName();
            update.Parameters["$started"].Value = (object?)row.Started ?? DBNull.Value;
            update.Parameters["$ended"].Value = (object?)row.Ended ?? DBNull.Value;
            update.Parameters["$wall"].Value = (object?)row.Wall ?? DBNull.Value;
            update.Parameters["$commit"].Value = (object?)row.Code.Commit ?? DBNull.Value;
            update.Parameters["$dirty"].Value = row.Code.Dirty is { } dirty ? (dirty ? 1 : 0) : DBNull.Value;
            update.ExecuteNonQuery();
        }
    }

    /// <summary>The runs with these ids, read in one statement.</summary>
    private List<LedgerRun> QueryIds(IEnumerable<string> ids) =>
        Query("WHERE r.id IN (SELECT value FROM json_each($ids))", null, ("$ids", System.Text.Json.JsonSerializer.Serialize(ids)));

    private SqliteCommand Prepare(SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        command.Prepare();
        return command;
    }
}
