using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The gateway answers any Host name on its port (docs/exchange.md, "Host names"): a client through an SSH
/// gateway tunnel names the login node, one through a proxy or an IP alias names another host, and the
/// HttpListener alone would answer those 404. Over real HTTP on 127.0.0.1; the token still decides.
/// </summary>
public sealed class ExchangeHostNameTests : IAsyncLifetime
{
    private const string Elsewhere = "login-01.hsn.cluster.example:40123";

    private LimitedExchange _exchange = null!;

    public Task InitializeAsync()
    {
        _exchange = LimitedExchange.Start(new ExchangeLimits());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _exchange.DisposeAsync();

    [Fact]
    public async Task A_loopback_gateway_answers_a_request_that_names_another_host()
    {
        var (status, body) = await RawAsync(_exchange.Gateway.Url, "GET /v1/exchange HTTP/1.1", Elsewhere, authorized: true);

        Assert.True(status == 200, $"status {status}: {body}");
        Assert.StartsWith("{", body);
    }

    [Fact]
    public async Task Another_host_name_does_not_get_past_the_token()
    {
        var (status, _) = await RawAsync(_exchange.Gateway.Url, "GET /v1/exchange HTTP/1.1", Elsewhere, authorized: false);

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task Every_request_of_a_kept_alive_connection_is_answered_whatever_its_body_framing()
    {
        // One connection for all of them, so the second and later requests follow the first one's body.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = _exchange.Gateway.Url };
        var runId = $"host-{Guid.NewGuid():N}"[..16];
        for (var i = 0; i < 3; i++)
        {
            foreach (var chunked in new[] { false, true })
            {
                using var request = _exchange.Post("v1/mailboxes", $$"""{"runId":"{{runId}}","name":"agent-{{i}}-{{(chunked ? "chunked" : "sized")}}"}""");
                request.Headers.Host = i % 2 == 0 ? Elsewhere : "10.9.8.7";
                request.Headers.TransferEncodingChunked = chunked;
                using var response = await http.SendAsync(request);
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        using var info = new HttpRequestMessage(HttpMethod.Get, "v1/exchange") { Headers = { Host = Elsewhere, Authorization = new AuthenticationHeaderValue("Bearer", LimitedExchange.Token) } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(info)).StatusCode);
    }

    [Fact]
    public async Task A_wildcard_gateway_answers_a_request_that_names_another_host()
    {
        var directory = Directory.CreateTempSubdirectory("swarm-hostname-").FullName;
        var limits = new ExchangeLimits();
        await using (var store = SqliteMailboxStore.Open(Path.Combine(directory, "exchange.db"), limits))
        await using (var gateway = ExchangeGateway.Start(store, limits, LimitedExchange.Token, "0.0.0.0"))
        {
            var (status, body) = await RawAsync(gateway.Url, "GET /v1/exchange HTTP/1.1", Elsewhere, authorized: true);
            Assert.True(status == 200, $"status {status}: {body}");
        }

        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_head_too_large_to_rewrite_passes_unchanged_for_the_listener_to_refuse()
    {
        // Over HostHeaderRewrite.MaxHeadBytes: the front gives up rewriting and relays the bytes as they are,
        // and the listener answers them as it would without a front (400: its own header limit), not a hang.
        var padding = new string('x', HostHeaderRewrite.MaxHeadBytes + 1024);
        var (status, _) = await RawAsync(_exchange.Gateway.Url, "GET /v1/exchange HTTP/1.1", $"127.0.0.1\r\nX-Padding: {padding}", authorized: true);

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task A_chunked_body_that_does_not_parse_ends_the_connection_instead_of_holding_it()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_exchange.Gateway.Url.Host, _exchange.Gateway.Url.Port);
        var request = $"POST /v1/mailboxes HTTP/1.1\r\nHost: {Elsewhere}\r\nAuthorization: Bearer {LimitedExchange.Token}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        await tcp.GetStream().WriteAsync(Encoding.Latin1.GetBytes(request));

        using var reader = new StreamReader(tcp.GetStream(), Encoding.Latin1);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.DoesNotContain("200 OK", answer);
    }

    /// <summary>One request by hand (the Host header exactly as given) on a connection of its own; the status and body.</summary>
    private static async Task<(int Status, string Body)> RawAsync(Uri gateway, string requestLine, string host, bool authorized)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Host, gateway.Port);
        var auth = authorized ? $"Authorization: Bearer {LimitedExchange.Token}\r\n" : "";
        await tcp.GetStream().WriteAsync(Encoding.Latin1.GetBytes($"{requestLine}\r\nHost: {host}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tcp.GetStream(), Encoding.Latin1);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(text.Split(' ', 3)[1]);
        return (status, text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}
