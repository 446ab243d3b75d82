using System.Collections.Concurrent;
using System.Management.Automation;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmEvent: one timeline merged from every site of a run (run directories here, or remote sites over SSH), optionally followed live.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmEvent", DefaultParameterSetName = PathSet)]
[OutputType(typeof(SwarmEvent))]
public sealed class GetSwarmEventCommand : SwarmCmdlet
{
    private const int ActivityId = 0x51E4;
    private static readonly TimeSpan FollowPollInterval = TimeSpan.FromMilliseconds(500);

    // One ssh round trip per remote site per poll (over the connection master when the profile has one).
    private static readonly TimeSpan RemoteFollowPollInterval = TimeSpan.FromSeconds(1);

    private const string PathSet = "Path";
    private const string RemoteSet = "Remote";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [Alias("RunDirectory", "FullName")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>With -Site naming remote sites: their events of this run, read over SSH from their login hosts.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string RunId { get; set; } = "";

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SiteNameCompleter))]
    public string[] Site { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    public string[] Agent { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(EventKindCompleter))]
    public string[] Kind { get; set; } = Array.Empty<string>();

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    public SwitchParameter Follow { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        // Unreadable lines may be found on a worker thread while following; warn from the pipeline thread.
        var unreadable = new ConcurrentQueue<string>();
        var filter = Filter();
        if (ParameterSetName == RemoteSet)
        {
            if (!Follow)
            {
                WriteObject(Await(_ => RemoteEvents.ReadAsync(SiteCatalog.Default, RunId, Site, filter, StopToken)), enumerateCollection: true);
                return;
            }

            // Ends by itself once every remote site has ended; Ctrl+C ends it sooner.
            WriteFollowed(
                RemoteEvents.Follow(SiteCatalog.Default, RunId, Site, filter, RemoteFollowPollInterval, unreadable.Enqueue, StopToken),
                $"Get-SwarmEvent -Follow (run {RunId} over SSH)",
                unreadable);
            return;
        }

        var paths = Path.Select(path => GetUnresolvedProviderPathFromPSPath(path)).ToList();
        var timeline = new EventTimeline(paths);
        timeline.UnreadableLine += unreadable.Enqueue;

        if (!Follow)
        {
            WriteObject(timeline.Read(filter), enumerateCollection: true);
            WriteWarnings(unreadable);
            return;
        }

        WriteFollowed(timeline.FollowAsync(filter, FollowPollInterval, StopToken), $"Get-SwarmEvent -Follow ({timeline.Sources().Count} events file(s))", unreadable);
    });

    /// <summary>Writes followed events as they come, with a progress bar, until the engine ends the stream or Ctrl+C does.</summary>
    private void WriteFollowed(IAsyncEnumerable<SwarmEvent> followed, string activity, ConcurrentQueue<string> unreadable)
    {
        var shown = 0;
        var events = followed.GetAsyncEnumerator(StopToken);
        try
        {
            WriteProgress(new ProgressRecord(ActivityId, activity, "waiting for new events (Ctrl+C to stop)"));
            while (events.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                WriteObject(events.Current);
                WriteWarnings(unreadable);
                WriteProgress(new ProgressRecord(ActivityId, activity, $"{++shown} event(s) so far; waiting for more (Ctrl+C to stop)"));
            }

            WriteWarnings(unreadable);
        }
        finally
        {
            events.DisposeAsync().AsTask().GetAwaiter().GetResult();
            // A stopped pipeline takes no more records (its host clears the bar).
            if (!Stopping)
            {
                WriteProgress(new ProgressRecord(ActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    private EventFilter Filter() => new()
    {
        Sites = Site,
        Agents = Agent,
        Kinds = Kind,
        Since = Since is null ? null : new DateTimeOffset(Since.Value.ToUniversalTime()),
    };

    private void WriteWarnings(ConcurrentQueue<string> unreadable)
    {
        while (unreadable.TryDequeue(out var problem))
        {
            WriteWarning(problem);
        }
    }
}
