using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Dashboard;
using Xunit;

namespace SwarmPS.Engine.Tests.Dashboard;

/// <summary>The dashboard's HTTP face on a real 127.0.0.1 port: the token and its cookie, the routes, the stream, the file paths it refuses.</summary>
public sealed class DashboardServerTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-dashboard-server-").FullName;
    private string _alpha = "";
    private DashboardRun _run = null!;
    private DashboardServer _server = null!;

    public Task InitializeAsync()
    {
        _alpha = Path.Combine(_root, "run", "alpha");
        Directory.CreateDirectory(Path.Combine(_alpha, "agents", "ping"));
        File.WriteAllText(Path.Combine(_alpha, "events.jsonl"), "{\"ts\":\"2026-12-01T10:00:00.000Z\",\"site\":\"alpha\",\"agent\":\"ping\",\"kind\":\"agent_started\"}\n");
        File.WriteAllText(Path.Combine(_alpha, "agents", "ping", "stdout.log"), "hello from ping\n");
        File.WriteAllText(Path.Combine(_root, "secret.txt"), "outside the run\n");
        File.CreateSymbolicLink(Path.Combine(_alpha, "escape.log"), Path.Combine(_root, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_alpha, "up"), _root);
        _run = new DashboardRun("run", new[] { new DashboardSource(DashboardSourceKind.Local, _alpha, "alpha") });
        _run.Refresh();
        _server = DashboardServer.Start(_run, Token, 0);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private HttpClient Client(bool withCookie)
    {
        var cookies = new CookieContainer();
        if (withCookie)
        {
            cookies.Add(_server.Url, new Cookie(DashboardServer.CookieName, Token));
        }

        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _server.Url };
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/snapshot")]
    [InlineData("/api/stream")]
    [InlineData("/files/alpha/events.jsonl")]
    [InlineData("/nothing-here")]
    public async Task Without_the_token_every_path_is_401_with_an_empty_body(string path)
    {
        using var client = Client(withCookie: false);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_wrong_token_in_the_url_or_the_cookie_is_401()
    {
        using var client = Client(withCookie: false);
        using var wrongQuery = await client.GetAsync("/?token=" + Token[..^1] + "0");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/snapshot");
        request.Headers.Add("Cookie", $"{DashboardServer.CookieName}={Token.ToUpperInvariant()}");
        using var wrongCookie = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCookie.StatusCode);
    }

    [Fact]
    public async Task The_token_in_the_url_becomes_an_http_only_cookie_and_leaves_the_address()
    {
        using var client = Client(withCookie: false);

        using var response = await client.GetAsync(_server.UrlWithToken);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Equal($"{DashboardServer.CookieName}={Token}; HttpOnly; SameSite=Strict; Path=/", cookie);
    }

    [Fact]
    public async Task With_the_cookie_the_page_and_the_snapshot_are_served_with_a_strict_content_policy()
    {
        using var client = Client(withCookie: true);

        using var page = await client.GetAsync("/");
        var snapshot = JsonDocument.Parse(await client.GetStringAsync("/api/snapshot")).RootElement;

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("{\"mode\":\"live\"}", html);
        Assert.DoesNotContain(DashboardPage.BootPlaceholder, html);
        Assert.StartsWith("default-src 'none'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
        Assert.Equal("run", snapshot.GetProperty("run_id").GetString());
        Assert.Equal("agent_started", snapshot.GetProperty("events")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task It_listens_on_the_loopback_address_only()
    {
        var other = Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address));
        Assert.True(other is not null, "this test needs a non-loopback IPv4 address on the machine");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        var refused = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(new IPEndPoint(other!, _server.Port)));

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_file_of_the_run_is_served()
    {
        using var client = Client(withCookie: true);

        Assert.Equal("hello from ping\n", await client.GetStringAsync("/files/alpha/agents/ping/stdout.log"));
    }

    [Theory]
    [InlineData("/files/alpha/../../secret.txt")]
    [InlineData("/files/alpha/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("/files/alpha/%2E%2E%2F%2E%2E%2Fsecret.txt")]
    [InlineData("/files/alpha/agents%2F..%2F..%2F..%2Fsecret.txt")]
    [InlineData("/files/alpha/..%5C..%5Csecret.txt")]
    [InlineData("/files/alpha/escape.log")]
    [InlineData("/files/alpha/up/secret.txt")]
    [InlineData("/files/alpha/%2Fetc%2Fpasswd")]
    [InlineData("/files/..%2Fsecret.txt/x")]
    [InlineData("/files/beta/events.jsonl")]
    [InlineData("/files/alpha/agents")]
    public async Task A_path_out_of_the_run_or_through_a_link_is_not_found(string path)
    {
        // Sent byte for byte: HttpClient would collapse the dot segments before the server saw them.
        var response = await RawGetAsync(path);

        Assert.Equal(404, response.Status);
        Assert.DoesNotContain("outside the run", response.Body);
        Assert.DoesNotContain("root:", response.Body);
    }

    [Fact]
    public async Task The_stream_sends_what_is_appended_as_one_update()
    {
        using var client = Client(withCookie: true);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.GetAsync("/api/stream?from=1", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        File.AppendAllText(Path.Combine(_alpha, "events.jsonl"), "{\"ts\":\"2026-12-01T10:00:01.000Z\",\"site\":\"alpha\",\"agent\":\"ping\",\"kind\":\"message_sent\",\"to\":\"pong\"}\n");
        _run.Refresh();

        string? data = null;
        while (data is null && await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && line.Contains("message_sent", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        var update = JsonDocument.Parse(data!).RootElement;
        Assert.Equal(2, update.GetProperty("seq").GetInt32());
        var sent = Assert.Single(update.GetProperty("events").EnumerateArray());
        Assert.Equal(1, sent.GetProperty("seq").GetInt32());
        Assert.Equal(1, update.GetProperty("sites")[0].GetProperty("messages").GetInt32());
    }

    [Fact]
    public async Task A_taken_port_moves_the_dashboard_to_the_next_free_one()
    {
        await using var second = DashboardServer.Start(_run, Token, _server.Port);

        Assert.Equal(_server.Port, second.RequestedPort);
        Assert.NotEqual(_server.Port, second.Port);
        Assert.InRange(second.Port, _server.Port + 1, _server.Port + DashboardServer.PortsTried);
    }

    /// <summary>A GET sent byte for byte over a socket, so no client library normalises the path first.</summary>
    private async Task<(int Status, string Body)> RawGetAsync(string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _server.Port);
        var stream = tcp.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{_server.Port}\r\nCookie: {DashboardServer.CookieName}={Token}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        var text = await reader.ReadToEndAsync();
        var status = int.Parse(text.Split(' ', 3)[1]);
        return (status, text);
    }
}
