using System.Net;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The contribution routes over real HTTP on 127.0.0.1 against a real exchange (docs/exchange-protocol.md,
/// Contributions): announce, list, retry, conflict, missing blobs, hostile names and bodies, concurrent
/// announcers, the per-run cap, and what survives a restart, with what is left on disk.
/// </summary>
public sealed class ContributionRouteTests : IAsyncLifetime
{
    private const string RunId = "ft-contrib-01";

    private BlobExchange _exchange = null!;

    public async Task InitializeAsync() => _exchange = await BlobExchange.StartAsync(new ExchangeLimits { MaxContributorsPerRun = 40, RequestBodyTimeout = TimeSpan.FromSeconds(5) });

    public async Task DisposeAsync() => await _exchange.DisposeAsync();

    private HttpClient Http => _exchange.Http;

    private string ContributionsDirectory => _exchange.Options.ContributionDirectory;

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Stores a blob of random bytes and returns its name.</summary>
    private async Task<string> StoreBlobAsync(int length, int seed)
    {
        var bytes = BlobExchange.RandomBytes(length, seed);
        var digest = BlobExchange.DigestOf(bytes);
        using var put = await Http.SendAsync(_exchange.Put(digest, bytes));
        Assert.True(put.IsSuccessStatusCode, $"storing the blob answered {put.StatusCode}");
        return digest;
    }

    private static HttpRequestMessage Announce(string runId, string contributor, string body, string contentType = "application/json") => new(HttpMethod.Put, $"v1/runs/{runId}/contributions/{contributor}")
    {
        Content = new StringContent(body, Encoding.UTF8, contentType),
    };

    private static string Body(string manifest, string adapter) => JsonSerializer.Serialize(new { manifest, adapter });

    private async Task<HttpResponseMessage> AnnounceAsync(string contributor, string manifest, string adapter, string runId = RunId) =>
        await Http.SendAsync(Announce(runId, contributor, Body(manifest, adapter)));

    private async Task<List<JsonElement>> ListAsync(string runId = RunId)
    {
        using var list = await Http.GetAsync($"v1/runs/{runId}/contributions");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        return (await JsonOf(list)).GetProperty("contributions").EnumerateArray().ToList();
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string errorId)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {errorId}, got {(int)response.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal(errorId, error.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("remediation").GetString()));
    }

    [Fact]
    public async Task An_announcement_of_stored_blobs_is_created_and_listed_sorted_by_contributor()
    {
        var manifestB = await StoreBlobAsync(700, 1);
        var adapterB = await StoreBlobAsync(300_000, 2);
        var manifestA = await StoreBlobAsync(650, 3);
        var adapterA = await StoreBlobAsync(200_001, 4);

        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using (var created = await AnnounceAsync("site-b-0", manifestB, adapterB))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var arrival = await JsonOf(created);
            Assert.Equal(RunId, arrival.GetProperty("runId").GetString());
            Assert.Equal("site-b-0", arrival.GetProperty("contributor").GetString());
            Assert.Equal(manifestB, arrival.GetProperty("manifest").GetString());
            Assert.Equal(adapterB, arrival.GetProperty("adapter").GetString());
            Assert.Equal(300_000, arrival.GetProperty("adapterBytes").GetInt64());
            var arrivedAt = arrival.GetProperty("arrivedAt").GetDateTimeOffset();
            Assert.InRange(arrivedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal(TimeSpan.Zero, arrivedAt.Offset);
        }

        using (var second = await AnnounceAsync("Site-A", manifestA, adapterA))
        {
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        }

        var listed = await ListAsync();
        Assert.Equal(new[] { "Site-A", "site-b-0" }, listed.Select(c => c.GetProperty("contributor").GetString()));
        Assert.Equal(adapterA, listed[0].GetProperty("adapter").GetString());
        Assert.Equal(200_001, listed[0].GetProperty("adapterBytes").GetInt64());
        Assert.Equal(
            new[] { Path.Combine(RunId, "Site-A.json"), Path.Combine(RunId, "site-b-0.json") },
            Directory.EnumerateFiles(ContributionsDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ContributionsDirectory, f)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_run_nobody_contributed_to_lists_empty_not_404()
    {
        Assert.Empty(await ListAsync("never-announced"));
        Assert.False(Directory.Exists(Path.Combine(ContributionsDirectory, "never-announced")));
    }

    [Fact]
    public async Task The_same_announcement_again_answers_200_with_the_first_arrival_and_other_blobs_are_a_conflict()
    {
        var manifest = await StoreBlobAsync(500, 5);
        var adapter = await StoreBlobAsync(4096, 6);
        var otherAdapter = await StoreBlobAsync(4097, 7);
        string first;
        using (var created = await AnnounceAsync("site-a", manifest, adapter))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            first = await created.Content.ReadAsStringAsync();
        }

        var record = Path.Combine(ContributionsDirectory, RunId, "site-a.json");
        var written = File.GetLastWriteTimeUtc(record);
        await Task.Delay(20);
        using (var retry = await AnnounceAsync("site-a", manifest, adapter))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(first, await retry.Content.ReadAsStringAsync());
        }

        using (var conflict = await AnnounceAsync("site-a", manifest, otherAdapter))
        {
            await AssertRefusedAsync(conflict, HttpStatusCode.Conflict, "ContributionConflict");
        }

        var listed = Assert.Single(await ListAsync());
        Assert.Equal(adapter, listed.GetProperty("adapter").GetString());
        Assert.Equal(written, File.GetLastWriteTimeUtc(record));
    }

    [Fact]
    public async Task An_announcement_naming_a_blob_the_exchange_does_not_hold_is_404_BlobNotFound_and_nothing_is_kept()
    {
        var stored = await StoreBlobAsync(800, 8);
        var absent = BlobExchange.DigestOf(Encoding.UTF8.GetBytes("never uploaded"));

        foreach (var (manifest, adapter) in new[] { (absent, stored), (stored, absent) })
        {
            using var missing = await AnnounceAsync("site-a", manifest, adapter);
            await AssertRefusedAsync(missing, HttpStatusCode.NotFound, "BlobNotFound");
        }

        Assert.Empty(await ListAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(ContributionsDirectory));
    }

    public static TheoryData<string, string> HostilePaths => new()
    {
        { "/v1/runs/FT-Upper/contributions/site-a", "RunIdInvalid" },
        { "/v1/runs/../contributions/site-a", "RunIdInvalid" },
        { "/v1/runs/%2e%2e/contributions/site-a", "RunIdInvalid" },
        { $"/v1/runs/{RunId}/contributions/..", "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/%2e%2e%2fescape", "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/..%2F..%2Fblobs", "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/.hidden", "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/a%00b", "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/" + new string('a', 129), "ContributorInvalid" },
        { $"/v1/runs/{RunId}/contributions/", "ContributorInvalid" },
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task A_run_id_or_contributor_that_is_not_a_name_is_refused_and_nothing_is_written_anywhere(string path, string errorId)
    {
        var manifest = await StoreBlobAsync(500, 9);
        var adapter = await StoreBlobAsync(600, 10);
        var body = Encoding.UTF8.GetBytes(Body(manifest, adapter));
        var stateBefore = Directory.EnumerateFileSystemEntries(_exchange.StateDirectory, "*", SearchOption.AllDirectories).Where(e => !e.EndsWith(".log", StringComparison.Ordinal) && !e.Contains("exchange.db", StringComparison.Ordinal)).Order().ToList();

        // By hand: HttpClient would collapse the dot segments before they reach the exchange.
        using var tcp = await _exchange.OpenRawAsync("PUT", path, $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n");
        await tcp.GetStream().WriteAsync(body);
        var (status, text) = await BlobExchange.ReadRawAnswerAsync(tcp, TimeSpan.FromSeconds(10));

        Assert.True(status == 400, $"{path}: {text}");
        Assert.Contains($"\"error\":\"{errorId}\"", text, StringComparison.Ordinal);
        var stateAfter = Directory.EnumerateFileSystemEntries(_exchange.StateDirectory, "*", SearchOption.AllDirectories).Where(e => !e.EndsWith(".log", StringComparison.Ordinal) && !e.Contains("exchange.db", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(stateBefore, stateAfter);
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "not JSON", "{\"manifest\": ", "BodyInvalid" },
        { "not an object", "[\"sha256:00\"]", "BodyInvalid" },
        { "an unknown field", "{\"manifest\":\"M\",\"adapter\":\"A\",\"adaptor\":\"A\"}", "BodyInvalid" },
        { "a missing field", "{\"manifest\":\"M\"}", "BodyInvalid" },
        { "a repeated field", "{\"manifest\":\"M\",\"adapter\":\"A\",\"adapter\":\"M\"}", "BodyInvalid" },
        { "a number for a digest", "{\"manifest\":\"M\",\"adapter\":12}", "BodyInvalid" },
        { "an upper-case digest", "{\"manifest\":\"M\",\"adapter\":\"U\"}", "BodyInvalid" },
        { "an empty body", "", "BodyInvalid" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_body_that_is_not_exactly_the_two_digests_is_400_and_nothing_is_announced(string _, string template, string errorId)
    {
        var manifest = await StoreBlobAsync(500, 11);
        var adapter = await StoreBlobAsync(600, 12);
        var body = template.Replace("\"M\"", $"\"{manifest}\"", StringComparison.Ordinal).Replace("\"A\"", $"\"{adapter}\"", StringComparison.Ordinal)
            .Replace("\"U\"", $"\"{adapter.ToUpperInvariant()}\"", StringComparison.Ordinal);

        using var refused = await Http.SendAsync(Announce(RunId, "site-a", body));

        await AssertRefusedAsync(refused, HttpStatusCode.BadRequest, errorId);
        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task A_body_over_4_KiB_is_413_and_a_body_that_is_not_json_is_415()
    {
        var manifest = await StoreBlobAsync(500, 13);
        var adapter = await StoreBlobAsync(600, 14);
        var padded = "{\"manifest\":\"" + manifest + "\",\"adapter\":\"" + adapter + "\"" + new string(' ', 4096) + "}";

        using (var large = await Http.SendAsync(Announce(RunId, "site-a", padded)))
        {
            await AssertRefusedAsync(large, HttpStatusCode.RequestEntityTooLarge, "RequestTooLarge");
        }

        using (var text = await Http.SendAsync(Announce(RunId, "site-a", Body(manifest, adapter), "text/plain")))
        {
            await AssertRefusedAsync(text, HttpStatusCode.UnsupportedMediaType, "ContentTypeUnsupported");
        }

        // The same body, within the limit, is taken: the refusals were of the size and the type alone.
        using var taken = await AnnounceAsync("site-a", manifest, adapter);
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
    }

    [Fact]
    public async Task The_routes_need_the_token_and_take_only_their_methods()
    {
        using var bare = _exchange.Bare();
        using (var anonymous = await bare.GetAsync($"v1/runs/{RunId}/contributions"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var post = await Http.PostAsync($"v1/runs/{RunId}/contributions", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            await AssertRefusedAsync(post, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        }

        using (var deeper = await Http.GetAsync($"v1/runs/{RunId}/contributions/site-a/more"))
        {
            await AssertRefusedAsync(deeper, HttpStatusCode.NotFound, "RouteNotFound");
        }

        // A refused HEAD has no body, so the next answer on the same connection is read whole.
        using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v1/runs/{RunId}/contributions")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
            Assert.Equal(0, head.Content.Headers.ContentLength ?? 0);
        }

        Assert.Empty(await ListAsync());
    }

    [Fact]
    public async Task Concurrent_announcers_of_one_contributor_leave_exactly_one_record_and_each_gets_200_or_409_by_its_digests()
    {
        var manifest = await StoreBlobAsync(500, 15);
        var adapterA = await StoreBlobAsync(10_000, 16);
        var adapterB = await StoreBlobAsync(10_001, 17);

        using var start = new ManualResetEventSlim();
        var announcers = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            start.Wait();
            var adapter = i % 2 == 0 ? adapterA : adapterB;
            using var response = await AnnounceAsync("site-a", manifest, adapter);
            return (Adapter: adapter, response.StatusCode);
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(announcers);

        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created).Adapter;
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
            Assert.Equal(a.Adapter == winner ? HttpStatusCode.OK : HttpStatusCode.Conflict, a.StatusCode));
        Assert.Equal(winner, Assert.Single(await ListAsync()).GetProperty("adapter").GetString());
        Assert.Equal(new[] { "site-a.json" }, Directory.EnumerateFiles(Path.Combine(ContributionsDirectory, RunId)).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_run_takes_at_most_its_limit_of_contributors_and_a_retry_at_the_limit_still_answers()
    {
        var manifest = await StoreBlobAsync(500, 18);
        var adapter = await StoreBlobAsync(600, 19);
        for (var i = 0; i < 40; i++)
        {
            using var taken = await AnnounceAsync($"site-{i:00}", manifest, adapter);
            Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        }

        using (var full = await AnnounceAsync("site-40", manifest, adapter))
        {
            await AssertRefusedAsync(full, HttpStatusCode.Conflict, "ContributionLimitReached");
        }

        using (var retry = await AnnounceAsync("site-07", manifest, adapter))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        }

        using var otherRun = await AnnounceAsync("site-40", manifest, adapter, runId: "ft-contrib-02");
        Assert.Equal(HttpStatusCode.Created, otherRun.StatusCode);
        Assert.Equal(40, (await ListAsync()).Count);
    }

    [Fact]
    public async Task Announcements_survive_a_restart_of_the_exchange_and_stay_first_come()
    {
        var manifest = await StoreBlobAsync(500, 20);
        var adapter = await StoreBlobAsync(600, 21);
        var other = await StoreBlobAsync(601, 22);
        string first;
        using (var created = await AnnounceAsync("site-a", manifest, adapter))
        {
            first = await created.Content.ReadAsStringAsync();
        }

        // A temporary file a crash left behind is cleared on start and never listed.
        var leftover = Path.Combine(ContributionsDirectory, RunId, ".site-b.json.0123.tmp");
        File.WriteAllText(leftover, "{");

        await _exchange.RestartAsync();

        var listed = Assert.Single(await ListAsync());
        Assert.Equal(JsonDocument.Parse(first).RootElement.GetProperty("arrivedAt").GetDateTimeOffset(), listed.GetProperty("arrivedAt").GetDateTimeOffset());
        Assert.False(File.Exists(leftover));
        using var conflict = await AnnounceAsync("site-a", manifest, other);
        await AssertRefusedAsync(conflict, HttpStatusCode.Conflict, "ContributionConflict");
    }

    [Fact]
    public async Task Records_are_owner_only_files_in_owner_only_directories()
    {
        var manifest = await StoreBlobAsync(500, 23);
        var adapter = await StoreBlobAsync(600, 24);
        using (var created = await AnnounceAsync("site-a", manifest, adapter))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var directory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(directory, File.GetUnixFileMode(ContributionsDirectory));
        Assert.Equal(directory, File.GetUnixFileMode(Path.Combine(ContributionsDirectory, RunId)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(ContributionsDirectory, RunId, "site-a.json")));
    }

    [Fact]
    public async Task The_client_announces_and_lists_and_refuses_names_that_are_not_names_before_sending()
    {
        var manifest = await StoreBlobAsync(500, 25);
        var adapter = await StoreBlobAsync(600, 26);
        using var client = new ExchangeContributionClient(_exchange.Connection);

        var arrival = await client.AnnounceAsync(RunId, "site-a", manifest, adapter);
        Assert.Equal(new ContributionArrival(RunId, "site-a", manifest, adapter, 600, arrival.ArrivedAt), arrival);
        Assert.Equal(arrival, await client.AnnounceAsync(RunId, "site-a", manifest, adapter));
        Assert.Equal(new[] { arrival }, await client.ListAsync(RunId));
        Assert.Empty(await client.ListAsync("ft-nobody"));

        var conflict = await Assert.ThrowsAsync<SwarmException>(() => client.AnnounceAsync(RunId, "site-a", adapter, manifest));
        Assert.Equal("ContributionConflict", conflict.ErrorId);
        Assert.Equal("ContributorInvalid", (await Assert.ThrowsAsync<SwarmException>(() => client.AnnounceAsync(RunId, "../site-a", manifest, adapter))).ErrorId);
        Assert.Equal("RunIdInvalid", (await Assert.ThrowsAsync<SwarmException>(() => client.ListAsync("../blobs"))).ErrorId);
        Assert.Equal("BlobNameInvalid", (await Assert.ThrowsAsync<SwarmException>(() => client.AnnounceAsync(RunId, "site-b", "sha256:abc", adapter))).ErrorId);
    }
}
