using System.Globalization;
using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// How long a task of a command took before: the median wall time of the completed runs of the same
/// command (statepoint "command", as <see cref="LedgerRunRecorder"/> records each task) in the
/// repository's run store, for a plan's estimate when the operator gives no -TaskDuration. One indexed,
/// read-only query of <c>.swarm/runs.db</c>, never the ledger's files: planning stays cheap however many
/// runs the repository holds. The history is a hint; a store that is absent, busy or broken gives none.
/// </summary>
public static class TaskDurationHistory
{
    /// <summary>The most recent runs the median is taken over, so an old regime of the command fades out.</summary>
    public const int MostRecentRuns = 1000;

    /// <summary>A median duration and where it came from ("ledger (n runs)").</summary>
    public sealed record Median(TimeSpan Duration, int Runs)
    {
        public string Source => string.Create(CultureInfo.InvariantCulture, $"ledger ({Runs} run{(Runs == 1 ? "" : "s")})");
    }

    // The canonical command text is a substring of each matching statepoint (canonical JSON nests
    // verbatim), so instr() skips other commands' rows before any JSON is parsed; json_extract then makes
    // sure the match is the command and not a parameter value that happens to look like it.
    private const string Query = """
        SELECT wall_seconds FROM runs
        WHERE status = $status AND wall_seconds > 0
          AND instr(statepoint, $command) > 0
          AND json_extract(statepoint, '$.command') = json_extract($command, '$')
        ORDER BY ended_at DESC
        LIMIT $limit;
        """;

    /// <summary>The median over the repository's completed runs of <paramref name="command"/>; null when there are none or no store.</summary>
    public static Median? Find(string repositoryRoot, IReadOnlyList<string> command)
    {
        try
        {
            var repository = SwarmRepository.At(repositoryRoot);
            if (!RunStoreConnection.IsStoreFile(repository))
            {
                return null;
            }

            using var connection = RunStoreConnection.Open(repository.RunStorePath, SqliteOpenMode.ReadOnly, TimeSpan.FromSeconds(2));
            using var select = connection.CreateCommand();
            select.CommandText = Query;
            select.Parameters.AddWithValue("$status", RunStatus.Complete.ToName());
            select.Parameters.AddWithValue("$command", CanonicalJson.Serialize(command.ToList()));
            select.Parameters.AddWithValue("$limit", MostRecentRuns);
            var seconds = new List<double>();
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    seconds.Add(reader.GetDouble(0));
                }
            }

            return seconds.Count == 0 ? null : new Median(TimeSpan.FromSeconds(MedianOf(seconds)), seconds.Count);
        }
        catch (Exception error) when (error is SwarmException or SqliteException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double MedianOf(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
