using Microsoft.Data.Sqlite;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The writer connection's commands, prepared once and reused. A fresh SqliteCommand re-parses its SQL on
/// every execution; under load the writer runs the same dozen statements thousands of times a second, and
/// parsing them showed up as a tenth of its time. Only the writer thread touches this, so it needs no lock.
/// A command handed out must not be disposed by the caller; its parameters are cleared for each use.
/// <see cref="Pending"/> is the writer's running count of unacknowledged messages (<see cref="PendingMessageCount"/>).
/// </summary>
internal sealed class WriterStatements(SqliteConnection connection, long pendingAtOpen) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public SqliteConnection Connection => connection;

    public PendingMessageCount Pending { get; } = new(pendingAtOpen);

    /// <summary>The prepared command for <paramref name="sql"/>, with no parameters bound.</summary>
    public SqliteCommand For(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _prepared.Add(sql, command);
        }

        command.Parameters.Clear();
        return command;
    }

    public void Execute(string sql) => For(sql).ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
    }
}
