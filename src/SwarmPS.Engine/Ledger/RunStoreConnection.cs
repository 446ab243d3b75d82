using System.Globalization;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// How <c>.swarm/runs.db</c> is opened, shared by the store (read-write) and the citation reader
/// (read-only), so both refuse the same non-files and report the same error.
/// </summary>
internal static class RunStoreConnection
{
    /// <summary>Whether the store file exists as a regular file (a link or a FIFO in its place is refused).</summary>
    public static bool IsStoreFile(SwarmRepository repository)
    {
        try
        {
            return BoundedFileRead.IsRegularFile(repository.RunStorePath, followLinks: false);
        }
        catch (IOException error)
        {
            throw new SwarmException(
                "RunStoreUnavailable",
                $"The run store '{repository.RunStorePath}' was not opened: {error.Message}",
                "Move it aside and run Initialize-SwarmRepository to create a new store; .swarm/runs.db must be a regular file on this machine.",
                SwarmErrorCategory.ResourceUnavailable,
                repository.RunStorePath,
                error);
        }
    }

    /// <summary>An open connection that waits up to <paramref name="busyTimeout"/> for another writer's lock.</summary>
    public static SqliteConnection Open(string path, SqliteOpenMode mode, TimeSpan busyTimeout)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout={(int)busyTimeout.TotalMilliseconds};";
            pragma.ExecuteNonQuery();
        }
        catch (SqliteException error)
        {
            connection.Dispose();
            throw new SwarmException(
                "RunStoreUnavailable",
                $"Could not open the run store '{path}': {error.Message}",
                "Check that the file is a SwarmPS runs.db and that you may write to .swarm/; move a damaged file aside and run Initialize-SwarmRepository.",
                SwarmErrorCategory.ResourceUnavailable,
                path,
                error);
        }

        return connection;
    }

    /// <summary>
    /// An SQL list of status parameters, <c>($in_status0, $in_status1, ...)</c>, and their values (the stored
    /// words), so SQL never spells a status set that <see cref="RunStatusNames"/> does not define.
    /// </summary>
    public static (string Sql, (string Name, object? Value)[] Parameters) StatusList(IEnumerable<RunStatus> statuses)
    {
        var parameters = statuses.Select((status, i) => ("$in_status" + i.ToString(CultureInfo.InvariantCulture), (object?)status.ToName())).ToArray();
        return ("(" + string.Join(", ", parameters.Select(p => p.Item1)) + ")", parameters);
    }
}
