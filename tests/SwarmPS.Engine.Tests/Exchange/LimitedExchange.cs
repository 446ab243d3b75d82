using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// A real exchange (SQLite store, gateway on 127.0.0.1, log file) in this process, with the limits a
/// test chooses, plus the raw-socket helpers that abuse tests need (stalled bodies, control bytes).
/// </summary>
public sealed class LimitedExchange : IAsyncDisposable
{
    public const string Token = "limits-test-token-0123456789abcdef";

    private LimitedExchange(string directory, ExchangeLimits limits)
    {
        Directory = directory;
        Log = new ExchangeLog(LogPath, limits);
        Store = SqliteMailboxStore.Open(Path.Combine(directory, "exchange.db"), limits);
        Gateway = ExchangeGateway.Start(Store, limits, Token, log: Log);
        Http = new HttpClient { BaseAddress = Gateway.Url, Timeout = TimeSpan.FromSeconds(60) };
        Client = new HttpExchangeClient(new ExchangeConnection(Gateway.Url, Token));
    }

    public string Directory { get; }

    public string LogPath => Path.Combine(Directory, "exchange.log");

    public ExchangeLog Log { get; }

    public SqliteMailboxStore Store { get; }

    public ExchangeGateway Gateway { get; }

    public HttpClient Http { get; }

    public HttpExchangeClient Client { get; }

    public static LimitedExchange Start(ExchangeLimits limits) =>
        new(System.IO.Directory.CreateTempSubdirectory("swarm-limits-").FullName, limits);

    public HttpRequestMessage Post(string path, string body, bool authorized = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorized)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        return request;
    }

    /// <summary>Opens a connection and sends the head of a request whose body will follow (or not) by hand.</summary>
    public async Task<TcpClient> OpenRawAsync(string method, string path, long contentLength, bool authorized = true)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(Gateway.Url.Host, Gateway.Url.Port);
        var auth = authorized ? $"Authorization: Bearer {Token}\r\n" : "";
        var head = Encoding.Latin1.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n");
        await tcp.GetStream().WriteAsync(head);
        return tcp;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Gateway.DisposeAsync();
        await Store.DisposeAsync();
        Log.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
