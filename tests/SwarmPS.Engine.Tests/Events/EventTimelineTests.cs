using SwarmPS.Engine.Events;

namespace SwarmPS.Engine.Tests.Events;

public sealed class EventTimelineTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-events-").FullName;
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 7, 0, 0, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private EventLog Log(params string[] parts) => new(Path.Combine(new[] { _root }.Concat(parts).Append("events.jsonl").ToArray()));

    private static SwarmEvent At(int milliseconds, string site, string? agent, string kind, int? turn = null) =>
        new(T0.AddMilliseconds(milliseconds), site, agent, kind,
            turn is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["turn"] = turn });

    [Fact]
    public void The_wire_form_is_one_json_object_per_line_with_utc_milliseconds()
    {
        var line = At(123, "alpha", "ping", "message_sent", turn: 3).ToJsonLine();
        Assert.Equal("""{"ts":"2026-11-22T07:00:00.123Z","site":"alpha","agent":"ping","kind":"message_sent","turn":3}""", line);
        Assert.True(SwarmEvent.TryParse(line, "ignored", out var parsed));
        Assert.Equal(T0.AddMilliseconds(123), parsed!.Timestamp);
        Assert.Equal("3", parsed.Field("turn"));
    }

    [Theory]
    [InlineData("""{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":"\ud800","kind":"x"}""")]
    [InlineData("""{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":"a","kind":"x","note":"\udfff half"}""")]
    public void A_string_holding_half_a_surrogate_pair_is_not_an_event_and_no_crash(string line)
    {
        // Valid JSON, but no text: reading it as a string threw, which ended Get-SwarmEvent and the dashboard's reader.
        Assert.False(SwarmEvent.TryParse(line, "alpha", out _));
    }

    [Fact]
    public void Array_fields_survive_a_read_and_write_unchanged()
    {
        var line = """{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":null,"kind":"waiting_for_peers","missing":["pong","pang"],"extra":{"a":1}}""";
        Assert.True(SwarmEvent.TryParse(line, "alpha", out var parsed));
        Assert.Equal(line, parsed!.ToJsonLine());
    }

    [Fact]
    public void Sites_of_a_run_merge_in_timestamp_order_and_keep_their_site()
    {
        var alpha = Log("run-1", "alpha");
        var beta = Log("run-1", "beta");
        alpha.Append(At(0, "alpha", "ping", "agent_started"));
        beta.Append(At(5, "beta", "pong", "agent_started"));
        alpha.Append(At(10, "alpha", "ping", "message_sent", 1));
        beta.Append(At(20, "beta", "pong", "message_sent", 2));

        var timeline = new EventTimeline(new[] { Path.Combine(_root, "run-1") }).Read(EventFilter.All);

        Assert.Equal(new[] { "alpha", "beta", "alpha", "beta" }, timeline.Select(e => e.Site));
        Assert.Equal(new[] { 0, 5, 10, 20 }, timeline.Select(e => (int)(e.Timestamp - T0).TotalMilliseconds));
    }

    [Fact]
    public void Directories_from_two_machines_merge_and_a_site_with_only_metadata_is_no_error()
    {
        Log("alpha-host", "run-1", "alpha").Append(At(1, "alpha", "ping", "agent_started"));
        Log("beta-host", "run-1", "beta").Append(At(0, "beta", "pong", "agent_started"));
        var gamma = Path.Combine(_root, "beta-host", "run-1", "gamma");
        Directory.CreateDirectory(gamma);
        File.WriteAllText(Path.Combine(gamma, "status.json"), "{}");

        var timeline = new EventTimeline(new[]
        {
            Path.Combine(_root, "alpha-host", "run-1"),
            Path.Combine(_root, "beta-host", "run-1"),
        });

        Assert.Equal(new[] { "beta", "alpha" }, timeline.Read(EventFilter.All).Select(e => e.Site));
        Assert.Contains(timeline.Sources(), source => source.Site == "gamma");
    }

    [Fact]
    public void A_single_site_directory_or_file_reads_alone()
    {
        var log = Log("run-1", "alpha");
        log.Append(At(0, "alpha", "ping", "agent_started"));
        Assert.Single(new EventTimeline(new[] { Path.Combine(_root, "run-1", "alpha") }).Read(EventFilter.All));
        Assert.Single(new EventTimeline(new[] { log.Path }).Read(EventFilter.All));
    }

    [Fact]
    public void Filters_select_by_site_agent_kind_wildcards_and_time()
    {
        var log = Log("run-1", "alpha");
        log.Append(At(0, "alpha", "ping", "agent_started"));
        log.Append(At(10, "alpha", "ping", "agent_exited"));
        log.Append(At(20, "alpha", null, "bootstrap_skipped"));
        var timeline = new EventTimeline(new[] { Path.Combine(_root, "run-1") });

        Assert.Equal(2, timeline.Read(new EventFilter { Kinds = new[] { "agent_*" } }).Count);
        Assert.Single(timeline.Read(new EventFilter { Since = T0.AddMilliseconds(15) }));
        Assert.Equal(2, timeline.Read(new EventFilter { Agents = new[] { "p*" } }).Count);
        Assert.Empty(timeline.Read(new EventFilter { Sites = new[] { "beta" } }));
        Assert.Equal(3, timeline.Read(EventFilter.All).Count);
    }

    [Fact]
    public void A_corrupt_line_is_reported_and_the_rest_still_read()
    {
        var log = Log("run-1", "alpha");
        log.Append(At(0, "alpha", "ping", "agent_started"));
        File.AppendAllText(log.Path, "this is not json\n");
        log.Append(At(1, "alpha", "ping", "agent_exited"));
        var problems = new List<string>();
        var timeline = new EventTimeline(new[] { log.Path });
        timeline.UnreadableLine += problems.Add;

        Assert.Equal(2, timeline.Read(EventFilter.All).Count);
        Assert.Contains("not an event", Assert.Single(problems));
    }

    [Fact]
    public async Task Follow_streams_events_appended_later_including_a_site_that_appears_later()
    {
        Log("run-1", "alpha").Append(At(0, "alpha", "ping", "agent_started"));
        var timeline = new EventTimeline(new[] { Path.Combine(_root, "run-1") });
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<SwarmEvent>();

        await foreach (var swarmEvent in timeline.FollowAsync(EventFilter.All, TimeSpan.FromMilliseconds(20), stop.Token))
        {
            seen.Add(swarmEvent);
            if (seen.Count == 1)
            {
                Log("run-1", "beta").Append(At(5, "beta", "pong", "agent_started"));
            }

            if (seen.Count == 2)
            {
                // A half-written line must wait for its newline.
                File.AppendAllText(Path.Combine(_root, "run-1", "alpha", "events.jsonl"), At(9, "alpha", "ping", "agent_exited").ToJsonLine()[..20]);
                await Task.Delay(100);
                File.AppendAllText(Path.Combine(_root, "run-1", "alpha", "events.jsonl"), At(9, "alpha", "ping", "agent_exited").ToJsonLine()[20..] + "\n");
            }

            if (seen.Count == 3)
            {
                stop.Cancel();
            }
        }

        Assert.Equal(new[] { "agent_started", "agent_started", "agent_exited" }, seen.Select(e => e.Kind));
        Assert.Equal("beta", seen[1].Site);
    }

    [Fact]
    public void A_missing_path_is_an_error_that_says_what_to_pass()
    {
        var error = Assert.Throws<SwarmException>(() => new EventTimeline(new[] { Path.Combine(_root, "nope") }));
        Assert.Equal("EventPathNotFound", error.ErrorId);
    }
}
