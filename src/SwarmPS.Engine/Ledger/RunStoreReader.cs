using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What the citation validator asks of this machine's run store: which run ids exist and whether a
/// batch has runs. Read-only and never creating: validating findings must not make a <c>runs.db</c>.
/// </summary>
internal sealed class RunStoreReader : IDisposable
{
    private readonly SqliteConnection _connection;

    private RunStoreReader(SqliteConnection connection) => _connection = connection;

    /// <summary>The reader of the repository's store, or null when this machine has no store.</summary>
    public static RunStoreReader? Open(SwarmRepository repository) =>
        RunStoreConnection.IsStoreFile(repository)
            ? new RunStoreReader(RunStoreConnection.Open(repository.RunStorePath, SqliteOpenMode.ReadOnly, TimeSpan.FromSeconds(30)))
            : null;

    /// <summary>Every run id in the store.</summary>
    public HashSet<string> RunIds()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id FROM runs;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Every run's status by id, in one statement (an import compares thousands of runs at once).</summary>
    public Dictionary<string, RunStatus> Statuses()
    {
        var statuses = new Dictionary<string, RunStatus>(StringComparer.Ordinal);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, status FROM runs;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            statuses[reader.GetString(0)] = RunStatusNames.Parse(reader.GetString(1));
        }

        return statuses;
    }

    /// <summary>How many runs are linked to an experiment, optionally only those of some statuses.</summary>
    public int CountBatch(string experiment, IReadOnlyCollection<RunStatus> statuses)
    {
        using var command = _connection.CreateCommand();
        var (statusList, statusValues) = RunStoreConnection.StatusList(statuses);
        command.CommandText = "SELECT COUNT(*) FROM run_experiments x JOIN runs r ON r.id = x.run_id WHERE x.experiment = $experiment"
            + (statuses.Count == 0 ? "" : " AND r.status IN " + statusList) + ";";
        command.Parameters.AddWithValue("$experiment", experiment);
        foreach (var (name, value) in statusValues)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public void Dispose() => _connection.Dispose();
}
