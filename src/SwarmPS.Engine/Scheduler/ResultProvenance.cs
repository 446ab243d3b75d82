using System.Globalization;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Which task of which job wrote each result directory of a job root, and what that means for combining
/// them. Every task's job script writes <see cref="MarkerFile"/> (<c>&lt;job key&gt; &lt;task&gt; &lt;attempt&gt;</c>)
/// into its result directory before it runs, so a directory copied in from another job, renamed, or left
/// by hand is told apart from the job's own (the seed's "no cross-run contamination").
/// </summary>
public static class ResultProvenance
{
    public const string MarkerFile = ".swarm-task";

    /// <summary>
    /// One round trip that lists a job's result directories and their markers: "D &lt;name&gt;" per directory,
    /// "M &lt;name&gt; &lt;marker's first line&gt;" per marker; nothing when there is no results directory yet.
    /// GNU find and awk; one awk per batch of files, not a process per task.
    /// </summary>
    public static IReadOnlyList<string> ListingScript(string jobRoot) => new[]
    {
        "-c",
        "cd \"$1/results\" 2>/dev/null || exit 0; "
            + "find . -mindepth 1 -maxdepth 1 -type d -printf 'D %f\\n'; "
            + "find . -mindepth 2 -maxdepth 2 -type f -name '" + MarkerFile + "' -exec awk 'FNR == 1 { d = FILENAME; sub(/^\\.\\//, \"\", d); sub(/\\/[^\\/]*$/, \"\", d); print \"M \" d \" \" $0 }' {} +",
        "sh",
        jobRoot,
    };

    /// <summary>
    /// Compares the listing with the tasks that should be there: <paramref name="succeeded"/> must each have
    /// exactly their own directory, marked by this job and this task; anything else in results/ is foreign.
    /// </summary>
    public static (List<long> Missing, List<string> Foreign) Check(string jobKey, long taskCount, IReadOnlySet<long> succeeded, string listing)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var markers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("D ", StringComparison.Ordinal))
            {
                directories.Add(line[2..]);
            }
            else if (line.StartsWith("M ", StringComparison.Ordinal) && line.IndexOf(' ', 2) is var space and > 2)
            {
                markers[line[2..space]] = line[(space + 1)..].Trim();
            }
        }

        var missing = new List<long>();
        var foreign = new List<string>();
        foreach (var task in succeeded.Order())
        {
            var name = task.ToString(CultureInfo.InvariantCulture);
            if (!directories.Contains(name))
            {
                missing.Add(task);
            }
            else if (!markers.TryGetValue(name, out var marker))
            {
                foreign.Add($"results/{name}: no {MarkerFile} (not written by a task of this job)");
            }
            else if (!IsMarkOf(marker, jobKey, task))
            {
                foreign.Add($"results/{name}: {MarkerFile} says '{marker}', not job {jobKey} task {task}");
            }
        }

        foreach (var name in directories.Order(StringComparer.Ordinal))
        {
            var isTask = long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var task)
                && task < taskCount && task.ToString(CultureInfo.InvariantCulture) == name;
            if (!isTask)
            {
                foreign.Add($"results/{name}: not a task of this job (it has tasks 0 to {taskCount - 1})");
            }
            else if (!succeeded.Contains(task) && markers.TryGetValue(name, out var marker) && !IsMarkOf(marker, jobKey, task))
            {
                // A task that did not succeed is missing anyway; a directory another job wrote there is worth naming too.
                foreign.Add($"results/{name}: {MarkerFile} says '{marker}', not job {jobKey} task {task}");
            }
        }

        return (missing, foreign);
    }

    private static bool IsMarkOf(string marker, string jobKey, long task)
    {
        var words = marker.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 3 && words[0] == jobKey && words[1] == task.ToString(CultureInfo.InvariantCulture)
            && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
