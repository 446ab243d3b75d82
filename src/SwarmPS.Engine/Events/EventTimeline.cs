using System.Runtime.CompilerServices;

namespace SwarmPS.Engine.Events;

/// <summary>
/// One timeline merged from the events.jsonl of every site of a run, in timestamp order, each event
/// keeping its site. Accepts any mix of: a run directory (&lt;runRoot&gt;/&lt;runId&gt;, whose
/// subdirectories are sites), a site directory, or an events.jsonl file; so the directories of one
/// run on several machines (copied back, or on a shared file system) merge into one view. A site with
/// only its metadata so far contributes nothing and is no error.
/// </summary>
public sealed class EventTimeline
{
    private const string EventsFileName = "events.jsonl";
    private readonly IReadOnlyList<string> _paths;

    public EventTimeline(IEnumerable<string> paths)
    {
        _paths = paths.Select(Path.GetFullPath).ToList();
        foreach (var path in _paths.Where(path => !File.Exists(path) && !Directory.Exists(path)))
        {
            throw new SwarmException(
                "EventPathNotFound",
                $"'{path}' does not exist.",
                "Pass a run directory (<runRoot>/<runId>), one of its site directories, or an events.jsonl file.",
                SwarmErrorCategory.ObjectNotFound,
                path);
        }
    }

    /// <summary>Lines that could not be read as events, reported so a corrupt file is noticed, not hidden.</summary>
    public event Action<string>? UnreadableLine;

    /// <summary>Every event so far, merged and filtered.</summary>
    public IReadOnlyList<SwarmEvent> Read(EventFilter filter) =>
        ReadNewEvents(new EventFileCursor()).Where(filter.Matches).ToList();

    /// <summary>
    /// Every event so far, then new ones as sites append them, until cancelled. Each poll's new events
    /// are merged by timestamp; an event written late with an early timestamp still appears, after
    /// what was already shown.
    /// </summary>
    public async IAsyncEnumerable<SwarmEvent> FollowAsync(
        EventFilter filter, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = new EventFileCursor();
        while (true)
        {
            foreach (var swarmEvent in ReadNewEvents(cursor).Where(filter.Matches))
            {
                yield return swarmEvent;
            }

            try
            {
                await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>The events.jsonl files this timeline reads (existing or not yet), with their site names.</summary>
    public IReadOnlyList<(string Site, string File)> Sources() => _paths.SelectMany(Discover).Distinct().ToList();

    private static IEnumerable<(string Site, string File)> Discover(string path)
    {
        if (File.Exists(path))
        {
            yield return (Path.GetFileName(Path.GetDirectoryName(path))!, path);
            yield break;
        }

        if (IsSiteDirectory(path))
        {
            yield return (Path.GetFileName(path), Path.Combine(path, EventsFileName));
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories(path).Where(IsSiteDirectory).Order(StringComparer.Ordinal))
        {
            yield return (Path.GetFileName(directory), Path.Combine(directory, EventsFileName));
        }
    }

    private static bool IsSiteDirectory(string directory) =>
        File.Exists(Path.Combine(directory, EventsFileName)) || File.Exists(Path.Combine(directory, "status.json"));

    private List<SwarmEvent> ReadNewEvents(EventFileCursor cursor)
    {
        var events = new List<SwarmEvent>();
        foreach (var (site, file) in Sources())
        {
            IEnumerable<string> lines;
            try
            {
                lines = cursor.ReadNewLines(file);
            }
            catch (IOException error)
            {
                // Not a regular file (a FIFO, a directory) or unreadable: said, and the other sites still read.
                UnreadableLine?.Invoke($"{file}: {error.Message}");
                continue;
            }

            foreach (var line in lines)
            {
                if (SwarmEvent.TryParse(line, site, out var parsed))
                {
                    events.Add(parsed!);
                }
                else if (line.Trim().Length > 0)
                {
                    UnreadableLine?.Invoke($"{file}: not an event: {Truncate(line)}");
                }
            }
        }

        // OrderBy is stable: equal timestamps keep file order, so one site's causal order survives.
        return events.OrderBy(swarmEvent => swarmEvent.Timestamp).ToList();
    }

    private static string Truncate(string line) => line.Length <= 120 ? line : line[..120] + "...";
}
