using SwarmPS.Engine.Events;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.LiveTraining;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Everything a dashboard shows of one run, kept current by <see cref="Refresh"/>: the events of every site
/// merged in timestamp order, each site's summary, the warnings (lines that are not events, files that cannot
/// be read) and the training status. Each refresh reads only what was appended since the last one (byte
/// offsets per file, as Get-SwarmEvent -Follow does), so its cost grows with the new bytes, not the run's size.
/// One thread refreshes; any number of request threads read (<see cref="Snapshot"/>, <see cref="Since"/>).
/// </summary>
public sealed class DashboardRun
{
    /// <summary>Warnings kept for a snapshot; older ones are counted, not kept (a corrupt file must not fill memory).</summary>
    public const int MaxWarningsKept = 500;

    private const int MaxStatusBytes = 1024 * 1024;

    private readonly object _gate = new();
    private readonly IReadOnlyList<DashboardSource> _sources;
    private readonly IReadOnlyDictionary<string, SiteMirror> _mirrors;
    private readonly EventFileCursor _cursor = new();
    private readonly List<DashboardEvent> _byArrival = new();
    private readonly List<DashboardEvent> _byTime = new();
    private readonly SortedDictionary<string, SiteTally> _sites = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = new();
    private readonly Dictionary<string, (DateTime Written, long Length)> _statusSeen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _skipsWarned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _problemsSaid = new(StringComparer.Ordinal);
    private int _warningCount;
    private TrainingRunStatus? _training;

    public DashboardRun(string runId, IReadOnlyList<DashboardSource> sources, IReadOnlyDictionary<string, SiteMirror>? mirrors = null)
    {
        RunId = runId;
        _sources = sources;
        _mirrors = mirrors ?? new Dictionary<string, SiteMirror>();
        foreach (var source in sources.Where(source => source.Site is not null))
        {
            _sites[source.Site!] = new SiteTally(source.Site!, source.Kind, source.Directory);
        }
    }

    public string RunId { get; }

    /// <summary>Raised after a refresh that found something new (events, a changed status, a warning).</summary>
    public event Action? Changed;

    /// <summary>Events so far.</summary>
    public int Seq
    {
        get
        {
            lock (_gate)
            {
                return _byArrival.Count;
            }
        }
    }

    /// <summary>Warnings so far (kept or not).</summary>
    public int WarningCount
    {
        get
        {
            lock (_gate)
            {
                return _warningCount;
            }
        }
    }

    /// <summary>The directory a site is read from (its run directory here, or its mirror); null for a site the dashboard does not know.</summary>
    public string? DirectoryOf(string site)
    {
        lock (_gate)
        {
            return _sites.TryGetValue(site, out var tally) && tally.Directory.Length > 0 ? tally.Directory : null;
        }
    }

    /// <summary>Reads what is new in every source; true when anything changed.</summary>
    public bool Refresh()
    {
        var changed = false;
        var fresh = new List<SwarmEvent>();
        var problems = new List<string?>();
        foreach (var source in _sources)
        {
            IReadOnlyList<(string Site, string Directory)> sites;
            try
            {
                sites = DashboardLayout.Sites(source);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                problems.Add(Once(source.Directory, $"{source.Directory}: {error.Message}"));
                continue;
            }

            foreach (var (site, directory) in sites)
            {
                var tally = TallyFor(site, source, directory);
                changed |= ReadStatus(tally, problems);
                try
                {
                    foreach (var line in _cursor.ReadNewLines(Path.Combine(directory, DashboardLayout.EventsFileName)))
                    {
                        if (SwarmEvent.TryParse(line, site, out var parsed))
                        {
                            fresh.Add(parsed!);
                        }
                        else if (line.Trim().Length > 0)
                        {
                            problems.Add($"{site}: {DashboardLayout.EventsFileName}: not an event: {(line.Length <= 120 ? line : line[..120] + "...")}");
                        }
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    // One unreadable file (its mode changed, a directory in its place) must not end the dashboard.
                    problems.Add(Once(directory, $"{site}: {DashboardLayout.EventsFileName}: {error.Message}"));
                }
            }
        }

        lock (_gate)
        {
            changed |= Mirrored();
            // A stable sort, so equal timestamps keep each file's order (one site's causal order survives).
            foreach (var swarmEvent in fresh.OrderBy(e => e.Timestamp))
            {
                var item = new DashboardEvent(_byArrival.Count, swarmEvent);
                _byArrival.Add(item);
                InsertByTime(item);
                SiteOf(swarmEvent.Site).Count(swarmEvent);
            }

            foreach (var problem in problems.OfType<string>())
            {
                AddWarning(problem);
            }

            changed |= fresh.Count > 0 || problems.Any(problem => problem is not null);
        }

        if (changed)
        {
            Changed?.Invoke();
        }

        return changed;
    }

    /// <summary>The whole run now: every event in timestamp order, every warning kept.</summary>
    public DashboardUpdate Snapshot()
    {
        lock (_gate)
        {
            return new DashboardUpdate(RunId, SingleSite, _byArrival.Count, _warningCount, _byTime.ToList(), Summaries(), _warnings.ToList(), _training);
        }
    }

    /// <summary>What a client at event <paramref name="seq"/> and warning <paramref name="warningsSeen"/> has not seen yet (events in arrival order).</summary>
    public DashboardUpdate Since(int seq, int warningsSeen)
    {
        lock (_gate)
        {
            var from = Math.Clamp(seq, 0, _byArrival.Count);
            var firstKept = _warningCount - _warnings.Count;
            var newWarnings = _warnings.Skip(Math.Max(0, warningsSeen - firstKept)).ToList();
            return new DashboardUpdate(RunId, SingleSite, _byArrival.Count, _warningCount, _byArrival.GetRange(from, _byArrival.Count - from), Summaries(), newWarnings, _training);
        }
    }

    /// <summary>The sites' summaries now, for the cmdlets' output.</summary>
    public IReadOnlyList<DashboardSiteSummary> Sites()
    {
        lock (_gate)
        {
            return Summaries();
        }
    }

    /// <summary>True when no site has anything to show: no events, no status, no mirror that found the run.</summary>
    public bool NothingFound()
    {
        lock (_gate)
        {
            return _sites.Values.All(site => !site.Found);
        }
    }

    private bool SingleSite => _sites.Count <= 1;

    private List<DashboardSiteSummary> Summaries() => _sites.Values.Select(site => site.Summary(_mirrors.GetValueOrDefault(site.Name)?.Status)).ToList();

    private SiteTally TallyFor(string site, DashboardSource source, string directory)
    {
        lock (_gate)
        {
            if (!_sites.TryGetValue(site, out var tally))
            {
                tally = new SiteTally(site, source.Kind, directory);
                _sites[site] = tally;
            }

            return tally;
        }
    }

    private SiteTally SiteOf(string site)
    {
        // An event may name a site other than its folder's (a copied-back file): it still gets a line in the header.
        if (!_sites.TryGetValue(site, out var tally))
        {
            tally = new SiteTally(site, DashboardSourceKind.Path, "");
            _sites[site] = tally;
        }

        return tally;
    }

    /// <summary>Re-reads status.json and training-status.json when they changed (size or time); both are small and replaced whole.</summary>
    private bool ReadStatus(SiteTally tally, List<string?> problems)
    {
        var changed = false;
        var statusPath = Path.Combine(tally.Directory, DashboardLayout.StatusFileName);
        if (HasChanged(statusPath))
        {
            changed = true;
            try
            {
                var text = BoundedFileRead.ReadAllText(statusPath, MaxStatusBytes, followLinks: false);
                var status = text is null ? null : SiteStatusFile.Parse(text, statusPath);
                lock (_gate)
                {
                    tally.Status = status;
                }
            }
            catch (Exception error) when (error is SwarmException or FileRefusedException or IOException)
            {
                problems.Add($"{tally.Name}: {DashboardLayout.StatusFileName}: {error.Message}");
            }
        }

        var trainingPath = Path.Combine(tally.Directory, TrainingRunStatus.FileName);
        if (HasChanged(trainingPath))
        {
            changed = true;
            try
            {
                var training = TrainingRunStatus.TryRead(tally.Directory);
                lock (_gate)
                {
                    if (training is not null && (_training is null || training.UpdatedAt >= _training.UpdatedAt))
                    {
                        _training = training;
                    }
                }
            }
            catch (SwarmException error)
            {
                problems.Add($"{tally.Name}: {TrainingRunStatus.FileName}: {error.Message}");
            }
        }

        return changed;
    }

    /// <summary>A problem that lasts (a folder that cannot be read) is one warning, not one per refresh; null when already said.</summary>
    private string? Once(string key, string problem)
    {
        lock (_gate)
        {
            if (_problemsSaid.TryGetValue(key, out var said) && said == problem)
            {
                return null;
            }

            _problemsSaid[key] = problem;
            return problem;
        }
    }

    private bool HasChanged(string path)
    {
        var info = new FileInfo(path);
        var seen = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        lock (_gate)
        {
            if (_statusSeen.TryGetValue(path, out var before) && before == seen)
            {
                return false;
            }

            _statusSeen[path] = seen;
            return info.Exists;
        }
    }

    /// <summary>
    /// Whether a mirror's state moved since the last refresh (it changes the header without any new event); the
    /// remote files a mirror would not copy (links, odd names) become warnings, each once.
    /// </summary>
    private bool Mirrored()
    {
        var changed = false;
        foreach (var (site, mirror) in _mirrors)
        {
            var skipped = mirror.Skipped;
            var seen = _skipsWarned.GetValueOrDefault(site);
            foreach (var skip in skipped.Skip(seen))
            {
                AddWarning($"{site}: not mirrored: {skip.Path}: {skip.Reason}");
                changed = true;
            }

            _skipsWarned[site] = Math.Max(seen, skipped.Count);

            var state = mirror.Status.State;
            if (_sites.TryGetValue(site, out var tally) && tally.LastMirrorState != state)
            {
                tally.LastMirrorState = state;
                changed = true;
            }
        }

        return changed;
    }

    private void InsertByTime(DashboardEvent item)
    {
        if (_byTime.Count == 0 || _byTime[^1].Event.Timestamp <= item.Event.Timestamp)
        {
            _byTime.Add(item);
            return;
        }

        // After every event with the same or an earlier timestamp: late arrivals keep arrival order among equals.
        int low = 0, high = _byTime.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_byTime[middle].Event.Timestamp <= item.Event.Timestamp)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        _byTime.Insert(low, item);
    }

    private void AddWarning(string warning)
    {
        _warningCount++;
        _warnings.Add(warning);
        if (_warnings.Count > MaxWarningsKept)
        {
            _warnings.RemoveAt(0);
        }
    }

    /// <summary>One site's counts, kept as events arrive.</summary>
    private sealed class SiteTally(string name, DashboardSourceKind source, string directory)
    {
        private readonly HashSet<string> _agents = new(StringComparer.Ordinal);
        private int _messages;
        private int _events;

        public string Name => name;

        public string Directory => directory;

        public SiteStatus? Status { get; set; }

        public MirrorState? LastMirrorState { get; set; }

        public bool Found => _events > 0 || Status is not null;

        public void Count(SwarmEvent swarmEvent)
        {
            _events++;
            if (swarmEvent.Agent is { } agent)
            {
                _agents.Add(agent);
            }

            if (swarmEvent.Kind == "message_sent")
            {
                _messages++;
            }
        }

        public DashboardSiteSummary Summary(MirrorStatus? mirror)
        {
            var agents = _agents.Count > 0 ? _agents.Count : Status?.Agents.Count ?? 0;
            if (mirror is { State: not MirrorState.Up } && !(mirror.State == MirrorState.Unreachable && Found))
            {
                return new DashboardSiteSummary(name, mirror.State.ToString(), source, false, agents, _messages, mirror.Problem);
            }

            if (!Found)
            {
                return new DashboardSiteSummary(name, "Missing", source, false, agents, _messages, $"nothing of this run in {directory} yet");
            }

            // A mirror that lost its site after copying shows what it has, and says so.
            var problem = mirror is { State: MirrorState.Unreachable } ? $"unreachable now, showing what was copied: {mirror.Problem}" : Status?.Problem;
            return new DashboardSiteSummary(name, Status?.State.ToString() ?? "Unknown", source, true, agents, _messages, problem);
        }
    }
}
