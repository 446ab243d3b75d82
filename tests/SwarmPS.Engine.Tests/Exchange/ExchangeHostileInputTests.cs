using System.Net;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The gateway, in its own process, against input no well-behaved client sends: every answer is a 4xx
/// with a JSON error body (or a 2xx for what happens to be valid), never a 5xx, and it keeps serving.
/// </summary>
public sealed class ExchangeHostileInputTests(ExchangeHostFixture exchange, ITestOutputHelper output) : IClassFixture<ExchangeHostFixture>
{
    private static readonly string Mailbox = SwarmPS.Engine.Campaigns.AgentMailboxId.For("hostile", "target").ToString();

    private async Task<string> RegisterTargetAsync()
    {
        using var request = exchange.Request(HttpMethod.Post, "v1/mailboxes", """{"runId":"hostile","name":"target"}""");
        using var response = await exchange.Http.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"register answered {response.StatusCode}");
        return Mailbox;
    }

    private async Task<(int Status, string Error)> SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await exchange.Http.SendAsync(request))
        {
            var text = await response.Content.ReadAsStringAsync();
            var error = "";
            if ((int)response.StatusCode >= 400)
            {
                using var document = JsonDocument.Parse(text);
                error = document.RootElement.GetProperty("error").GetString()!;
                Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("message").GetString()));
            }

            return ((int)response.StatusCode, error);
        }
    }

    [Theory]
    [InlineData("{", "BodyInvalid")]
    [InlineData("null", "BodyInvalid")]
    [InlineData("[]", "BodyInvalid")]
    [InlineData("\"text\"", "BodyInvalid")]
    [InlineData("{\"body\": 42}", "BodyInvalid")]
    [InlineData("{\"id\": \"not-a-uuid\", \"body\": \"x\"}", "BodyInvalid")]
    [InlineData("{\"body\": \"x\", \"from\": 12}", "BodyInvalid")]
    [InlineData("{\"id\": \"00000000-0000-0000-0000-000000000000\", \"body\": \"x\"}", "MessageIdInvalid")]
    [InlineData("{}", "BodyInvalid")]
    public async Task Malformed_message_bodies_get_400_with_an_error_id(string body, string errorId)
    {
        var mailbox = await RegisterTargetAsync();

        var (status, error) = await SendAsync(exchange.Request(HttpMethod.Post, $"v1/mailboxes/{mailbox}/messages", body));

        Assert.Equal(errorId, error);
        Assert.InRange(status, 400, 499);
    }

    [Theory]
    [InlineData("{\"acknowledge\": \"not-a-list\"}", "BodyInvalid")]
    [InlineData("{\"acknowledge\": [\"not-a-uuid\"]}", "BodyInvalid")]
    [InlineData("{\"acknowledge\": [null]}", "BodyInvalid")]
    [InlineData("{\"acknowledge\": {}}", "BodyInvalid")]
    public async Task Malformed_acknowledgements_in_a_receive_get_400_with_an_error_id(string body, string errorId)
    {
        var mailbox = await RegisterTargetAsync();

        var (status, error) = await SendAsync(exchange.Request(HttpMethod.Post, $"v1/mailboxes/{mailbox}/receive", body));

        Assert.Equal(errorId, error);
        Assert.InRange(status, 400, 499);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task Bodies_that_are_not_declared_json_get_415(string? contentType)
    {
        var mailbox = await RegisterTargetAsync();

        var (status, error) = await SendAsync(exchange.Request(HttpMethod.Post, $"v1/mailboxes/{mailbox}/messages", "{\"body\":\"x\"}", contentType));

        Assert.Equal(415, status);
        Assert.Equal("ContentTypeUnsupported", error);
    }

    [Fact]
    public async Task Oversized_requests_and_bodies_get_413()
    {
        var mailbox = await RegisterTargetAsync();

        var request = await SendAsync(exchange.Request(HttpMethod.Post, $"v1/mailboxes/{mailbox}/messages", "{\"body\":\"" + new string('x', 5 * 1024 * 1024) + "\"}"));
        var message = await SendAsync(exchange.Request(HttpMethod.Post, $"v1/mailboxes/{mailbox}/messages", "{\"body\":\"" + new string('x', 65537) + "\"}"));

        Assert.Equal((413, "RequestTooLarge"), request);
        Assert.Equal((413, "MessageTooLarge"), message);
    }

    [Theory]
    [InlineData("POST", "v1/mailboxes/not-a-guid/receive", "RouteNotFound")]
    [InlineData("POST", "v1/mailboxes/{6809ee13-7b98-4004-8bfa-97c58e99a2be}/receive", "RouteNotFound")]
    [InlineData("POST", "v1/mailboxes/6809ee137b9840048bfa97c58e99a2be/receive", "RouteNotFound")]
    [InlineData("POST", "v1/mailboxes/6809ee13-7b98-4004-8bfa-97c58e99a2be/receive", "MailboxNotFound")]
    [InlineData("GET", "v1/mailboxes", "MethodNotAllowed")]
    [InlineData("DELETE", "v1/exchange", "MethodNotAllowed")]
    [InlineData("GET", "v2/exchange", "RouteNotFound")]
    [InlineData("GET", "", "RouteNotFound")]
    public async Task Bad_ids_and_unknown_routes_get_4xx(string method, string path, string errorId)
    {
        var (status, error) = await SendAsync(exchange.Request(new HttpMethod(method), path));

        Assert.Equal(errorId, error);
        Assert.InRange(status, 400, 499);
    }

    [Theory]
    [InlineData("GET /v1/../v1/exchange HTTP/1.1")]
    [InlineData("GET /v1/%2e%2e/v1/exchange HTTP/1.1")]
    [InlineData("GET /v1/mailboxes/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1")]
    [InlineData("GET //v1/exchange HTTP/1.1")]
    [InlineData("GET /v1/./exchange HTTP/1.1")]
    [InlineData("GET /v1/exchange/../../../../etc/passwd HTTP/1.1")]
    [InlineData("GET /v1/exchange%00 HTTP/1.1")]
    [InlineData("POST /v1/mailboxes/6809ee13-7b98-4004-8bfa-97c58e99a2be/../query HTTP/1.1")]
    public async Task Path_tricks_reach_no_route(string requestLine)
    {
        var status = await exchange.RawStatusAsync(requestLine);

        Assert.InRange(status, 400, 499);
    }

    [Fact]
    public async Task Ten_thousand_random_requests_get_no_5xx_and_memory_stays_bounded()
    {
        await RegisterTargetAsync();
        var before = exchange.Host.ResidentKiB();
        var statuses = new int[600];
        var seeds = new Random(424242);
        var workerSeeds = Enumerable.Range(0, 8).Select(_ => seeds.Next()).ToArray();
        await Task.WhenAll(workerSeeds.Select(seed => Task.Run(async () =>
        {
            var fuzz = new Random(seed);
            for (var i = 0; i < 10_000 / workerSeeds.Length; i++)
            {
                using var request = RandomRequest(fuzz);
                using var response = await exchange.Http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                Interlocked.Increment(ref statuses[(int)response.StatusCode]);
            }
        })));
        var after = exchange.Host.ResidentKiB();

        var histogram = string.Join(", ", statuses.Select((count, status) => (count, status)).Where(p => p.count > 0).Select(p => $"{p.status}:{p.count}"));
        output.WriteLine($"fuzz requests=10000 statuses {histogram}; VmRSS before={before} KiB after={after} KiB");
        Assert.Equal(10_000, statuses.Sum());
        Assert.Equal(0, statuses[500..].Sum());
        Assert.False(exchange.Host.HasExited);
        Assert.True(after < before + 512 * 1024, $"resident memory grew from {before} KiB to {after} KiB");
        using var health = await exchange.Http.GetAsync("v1/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST", "POST"];

    private static readonly string[] Actions = ["heartbeat", "terminate", "messages", "receive", "acknowledge", "query", "", "x", "..", "%2e%2e", "receive/extra"];

    private static HttpRequestMessage RandomRequest(Random fuzz)
    {
        var id = fuzz.Next(5) switch
        {
            0 => Mailbox,
            1 => Guid.NewGuid().ToString(),
            2 => "not-a-guid",
            3 => Guid.NewGuid().ToString("N"),
            _ => Uri.EscapeDataString(RandomText(fuzz, 40)),
        };
        var path = fuzz.Next(7) switch
        {
            0 => "v1/exchange",
            1 => "v1/mailboxes",
            2 => "v1/messages",
            3 => "v1/mailboxes/query",
            4 => $"v1/mailboxes/{id}",
            5 => $"v1/{Uri.EscapeDataString(RandomText(fuzz, 20))}",
            _ => $"v1/mailboxes/{id}/{Actions[fuzz.Next(Actions.Length)]}",
        };
        var method = new HttpMethod(Methods[fuzz.Next(Methods.Length)]);
        var request = new HttpRequestMessage(method, path);
        if (fuzz.Next(10) > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ExchangeHostFixture.Token);
        }

        if (method == HttpMethod.Get || method == HttpMethod.Head || fuzz.Next(6) == 0)
        {
            return request;
        }

        byte[] body = fuzz.Next(8) switch
        {
            0 => RandomBytes(fuzz, fuzz.Next(0, 4096)),
            1 => Encoding.UTF8.GetBytes(new string('[', fuzz.Next(1, 5000))),
            2 => Encoding.UTF8.GetBytes($"{{\"runId\":\"{RandomText(fuzz, 70)}\",\"name\":\"{RandomText(fuzz, 300)}\"}}"),
            3 => Encoding.UTF8.GetBytes($"{{\"maxMessages\":{fuzz.Next(-5, 500)},\"leaseMilliseconds\":{fuzz.Next(-10, 100000)},\"waitMilliseconds\":{fuzz.Next(-1, 50)}}}"),
            4 => Encoding.UTF8.GetBytes($"{{\"ids\":[\"{Guid.NewGuid()}\",{fuzz.Next()},\"{RandomText(fuzz, 10)}\"]}}"),
            5 => Encoding.UTF8.GetBytes($"{{\"messages\":[{string.Join(',', Enumerable.Range(0, fuzz.Next(0, 130)).Select(_ => $"{{\"to\":\"{Mailbox}\",\"body\":\"{fuzz.Next()}\"}}"))}]}}"),
            6 => Encoding.UTF8.GetBytes($"{{\"id\":\"{Guid.NewGuid()}\",\"body\":\"{RandomText(fuzz, 200)}\",\"from\":\"{Guid.NewGuid()}\"}}"),
            _ => Encoding.UTF8.GetBytes($"{{\"body\": {fuzz.NextDouble()}e{fuzz.Next(400)}, \"id\": {{}}"),
        };
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.Next(5) switch
        {
            0 => "text/plain",
            1 => "application/json; charset=utf-8",
            2 => RandomText(fuzz, 30),
            _ => "application/json",
        });
        return request;
    }

    private static string RandomText(Random fuzz, int maxLength)
    {
        var chars = new char[fuzz.Next(0, maxLength)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)fuzz.Next(32, 127);
            if (chars[i] is '"' or '\\')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static byte[] RandomBytes(Random fuzz, int length)
    {
        var bytes = new byte[length];
        fuzz.NextBytes(bytes);
        return bytes;
    }
}
