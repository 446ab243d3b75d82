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
            var canonical = LedgerRunId.CanonicalStatepoint(statepoint);
            var id = LedgerRunId.FromCanonical(canonical);
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
    /// </summary>
    public JobRunsChange SetJobTaskStatuses(string job, int attempt, IEnumerable<(long Task, RunStatus Status)> changes)
    {
        var changed = 0;
        var unchanged = 0;
        var refused = 0;
        var missing = 0;
        var terminal = new List<string>();
        CodeVersion? code = null;
        using (var transaction = _connection.BeginTransaction(deferred: false))
        {
            using var read = Prepare(transaction, """
                SELECT r.id, r.status, r.started_at FROM job_tasks j JOIN runs r ON r.id = j.run_id
                WHERE j.job = $job AND j.attempt = $attempt AND j.task = $task;
                """, "$job", "$attempt", "$task");
            using var update = Prepare(transaction, UpdateStatusSql, "$id", "$status", "$started", "$ended", "$wall", "$commit", "$dirty");
            read.Parameters["$job"].Value = job;
            read.Parameters["$attempt"].Value = attempt;
            var now = Now();
            foreach (var (task, status) in changes)
            {
                read.Parameters["$task"].Value = task;
                string id;
                RunStatus current;
                string? startedAt;
                using (var reader = read.ExecuteReader())
                {
                    if (!reader.Read())
                    {
                        missing++;
                        continue;
                    }

                    (id, current, startedAt) = (reader.GetString(0), RunStatusNames.Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2));
                }

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
                    code = _options.CaptureCodeVersion ? CodeVersion.Read(Repository.Root) : CodeVersion.Unknown;
                }

                var stamp = firstStart ? code! : CodeVersion.Unknown;
                SetValues(update, ("$id", id), ("$status", status.ToName()), ("$started", started), ("$ended", ended), ("$wall", wall),
                    ("$commit", stamp.Commit), ("$dirty", stamp.Dirty));
                update.ExecuteNonQuery();
                changed++;
                if (status.IsTerminal())
                {
                    terminal.Add(id);
                }
            }

            transaction.Commit();
        }

        // Promote after the commit, like SetStatus: a failed promotion never undoes a status.
        var at = _options.Clock.GetUtcNow();
        var promoted = new List<(string Id, string At)>();
        var failed = new List<PromotionOutcome>();
        var rule = terminal.Count > 1 ? RedactionRuleOrNull() : null;
        foreach (var id in terminal)
        {
            var outcome = LedgerPromoter.Promote(Repository, Get(id), at, rule);
            if (outcome.Promoted)
            {
                promoted.Add((id, LedgerProjection.Timestamp(at)));
            }
            else
            {
                failed.Add(outcome);
            }
        }

        RecordPromotions(promoted, failed);
        return new JobRunsChange(changed, unchanged, refused, missing, promoted.Count, failed);
    }

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

    private static void SetValues(SqliteCommand command, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }
    }
}
