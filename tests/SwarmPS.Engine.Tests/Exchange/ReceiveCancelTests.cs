using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// POST .../receive/cancel on the wire, against the gateway in its own process: a cancelled wait answers
/// at once and leases nothing, also when the cancel overtook the wait it names.
/// </summary>
public sealed class ReceiveCancelTests(ExchangeHostFixture exchange) : IClassFixture<ExchangeHostFixture>
{
    private async Task<string> RegisterAsync()
    {
        var name = "agent-" + Guid.NewGuid().ToString("N")[..8];
        using var request = exchange.Request(HttpMethod.Post, "v1/mailboxes", $$"""{"runId":"cancel","name":"{{name}}"}""");
        using var response = await exchange.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> PostAsync(string path, string body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = exchange.Request(HttpMethod.Post, path, body);
        using var response = await exchange.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string[]> BodiesReceivedNowAsync(string mailbox)
    {
        var answer = await PostAsync($"v1/mailboxes/{mailbox}/receive", """{"maxMessages": 10, "waitMilliseconds": 0}""");
        return answer.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()!).ToArray();
    }

    [Fact]
    public async Task A_cancelled_wait_answers_at_once_with_nothing_and_leaves_the_next_message_to_the_next_receive()
    {
        var mailbox = await RegisterAsync();
        var poll = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        var waiting = PostAsync($"v1/mailboxes/{mailbox}/receive", $$"""{"maxMessages": 1, "waitMilliseconds": 20000, "poll": "{{poll}}"}""");
        await Task.Delay(300);

        var cancelled = await PostAsync($"v1/mailboxes/{mailbox}/receive/cancel", $$"""{"poll": "{{poll}}"}""");
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(cancelled.GetProperty("cancelled").GetBoolean());
        Assert.Empty(answer.GetProperty("messages").EnumerateArray());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the wait ended after {clock.Elapsed}");
        await PostAsync($"v1/mailboxes/{mailbox}/messages", """{"body": "next"}""", HttpStatusCode.Created);
        Assert.Equal(["next"], await BodiesReceivedNowAsync(mailbox));
    }

    [Fact]
    public async Task A_cancel_that_overtakes_its_wait_ends_that_wait_as_soon_as_it_arrives()
    {
        var mailbox = await RegisterAsync();
        var poll = Guid.NewGuid();

        var cancelled = await PostAsync($"v1/mailboxes/{mailbox}/receive/cancel", $$"""{"poll": "{{poll}}"}""");
        var clock = Stopwatch.StartNew();
        var answer = await PostAsync($"v1/mailboxes/{mailbox}/receive", $$"""{"maxMessages": 1, "waitMilliseconds": 20000, "poll": "{{poll}}"}""");

        Assert.False(cancelled.GetProperty("cancelled").GetBoolean());
        Assert.Empty(answer.GetProperty("messages").EnumerateArray());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the wait ended after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_receive_with_another_poll_id_is_not_cancelled()
    {
        var mailbox = await RegisterAsync();
        await PostAsync($"v1/mailboxes/{mailbox}/receive/cancel", $$"""{"poll": "{{Guid.NewGuid()}}"}""");
        await PostAsync($"v1/mailboxes/{mailbox}/messages", """{"body": "kept"}""", HttpStatusCode.Created);

        var answer = await PostAsync($"v1/mailboxes/{mailbox}/receive", $$"""{"maxMessages": 1, "waitMilliseconds": 2000, "poll": "{{Guid.NewGuid()}}"}""");

        Assert.Equal("kept", answer.GetProperty("messages")[0].GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"poll\": \"not-a-uuid\"}")]
    [InlineData("{\"poll\": 12}")]
    public async Task A_cancel_without_a_poll_id_gets_400_BodyInvalid(string body)
    {
        var mailbox = await RegisterAsync();

        var error = await PostAsync($"v1/mailboxes/{mailbox}/receive/cancel", body, HttpStatusCode.BadRequest);

        Assert.Equal("BodyInvalid", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_release_without_ids_gets_400_BodyInvalid()
    {
        var mailbox = await RegisterAsync();

        var error = await PostAsync($"v1/mailboxes/{mailbox}/release", "{}", HttpStatusCode.BadRequest);

        Assert.Equal("BodyInvalid", error.GetProperty("error").GetString());
    }
}
