using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// A real exchange run in this process by <see cref="ExchangeServer.RunAsync"/> (SQLite store, blob store,
/// gateway on 127.0.0.1) on a state directory of its own, which outlives a restart. Plus the raw-HTTP
/// helpers that blob tests need: authorized requests and hand-written request heads.
/// </summary>
public sealed class BlobExchange : IAsyncDisposable
{
    public const string Token = "blob-test-token-0123456789abcdef";

    private CancellationTokenSource? _stop;
    private Task? _running;

    private BlobExchange(ExchangeServerOptions options)
    {
        Options = options;
    }

    public ExchangeServerOptions Options { get; }

    public string StateDirectory => Options.StateDirectory;

    public Uri Url { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <param name="selfSigned">Serve HTTPS with the exchange's own certificate (<see cref="Connection"/> then pins it).</param>
    public static async Task<BlobExchange> StartAsync(ExchangeLimits? limits = null, string? stateDirectory = null, bool selfSigned = false)
    {
        var directory = stateDirectory ?? Directory.CreateTempSubdirectory("swarm-blobs-").FullName;
        var tokenFile = Path.Combine(Path.GetDirectoryName(directory)!, $"{Path.GetFileName(directory)}.token");
        File.WriteAllText(tokenFile, Token);
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var exchange = new BlobExchange(new ExchangeServerOptions { StateDirectory = directory, TokenFile = tokenFile, Limits = limits ?? new ExchangeLimits(), SelfSigned = selfSigned });
        await exchange.RunAsync();
        return exchange;
    }

    private async Task RunAsync()
    {
        _stop = new CancellationTokenSource();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _running = Task.Run(() => ExchangeServer.RunAsync(Options, url => ready.TrySetResult(url), _stop.Token));
        var first = await Task.WhenAny(ready.Task, _running).WaitAsync(TimeSpan.FromSeconds(30));
        if (first == _running)
        {
            await _running;
        }

        Url = await ready.Task;
        Http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>Stops the exchange and starts it again on the same state directory (a new port).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await RunAsync();
    }

    private async Task StopAsync()
    {
        Http.Dispose();
        _stop!.Cancel();
        await _running!.WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }

    public ExchangeConnection Connection => new(Url, Token, Url.Scheme == Uri.UriSchemeHttps ? new ExchangeTrust(null, ExchangeStateFile.Read(StateDirectory)!.Fingerprint) : ExchangeTrust.System);

    public ExchangeBlobClient Client(HttpMessageHandler? handler = null) => new(Connection, handler) { RetryDelay = TimeSpan.FromMilliseconds(100) };

    public string BlobsDirectory => Options.BlobDirectory;

    public string BlobFile(string digest) => Path.Combine(BlobsDirectory, "sha256", digest[7..9], digest[7..]);

    public string PartialFile(string digest) => Path.Combine(BlobsDirectory, "partial", digest[7..]);

    /// <summary>Every file under blobs/ (complete, partial and temporary), relative to it.</summary>
    public IReadOnlyList<string> FilesUnderBlobs() =>
        Directory.EnumerateFiles(BlobsDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(BlobsDirectory, f)).Order(StringComparer.Ordinal).ToList();

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string DigestOf(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public HttpRequestMessage Put(string digest, byte[] body, string? contentRange = null, bool authorized = true, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"v1/blobs/{digest}") { Content = new ByteArrayContent(body) };
        if (contentRange is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        }

        return Authorize(request, authorized, token);
    }

    public HttpRequestMessage Get(string digest, string? range = null, HttpMethod? method = null, bool authorized = true, string? token = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"v1/blobs/{digest}");
        if (range is not null)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        return Authorize(request, authorized, token);
    }

    private static HttpRequestMessage Authorize(HttpRequestMessage request, bool authorized, string? token)
    {
        // Send requests without a token through Bare(): Http would add its default one.
        request.Headers.Authorization = authorized ? new AuthenticationHeaderValue("Bearer", token ?? Token) : null;
        return request;
    }

    /// <summary>An HttpClient without the default token, for requests whose Authorization a test chooses.</summary>
    public HttpClient Bare() => new() { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Opens a connection and sends a request head by hand; the body follows (or not) as the test decides.</summary>
    public async Task<TcpClient> OpenRawAsync(string method, string path, string headers, bool authorized = true)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(Url.Host, Url.Port);
        var auth = authorized ? $"Authorization: Bearer {Token}\r\n" : "";
        var head = Encoding.Latin1.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{headers}\r\n");
        await tcp.GetStream().WriteAsync(head);
        return tcp;
    }

    /// <summary>The status line's code and the rest of what the exchange sent, until it closed or went quiet.</summary>
    public static async Task<(int Status, string Text)> ReadRawAnswerAsync(TcpClient tcp, TimeSpan within)
    {
        var stream = tcp.GetStream();
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                var count = await stream.ReadAsync(buffer, deadline.Token);
                if (count == 0)
                {
                    break;
                }

                received.Write(buffer, 0, count);
                var text = Encoding.Latin1.GetString(received.ToArray());
                var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headEnd > 0 && System.Text.RegularExpressions.Regex.Match(text, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase) is { Success: true } length
                    && received.Length >= headEnd + 4 + int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException)
        {
            // Closed or quiet: what arrived is the answer.
        }

        var all = Encoding.Latin1.GetString(received.ToArray());
        var parts = all.Split(' ', 3);
        return (parts.Length >= 2 && int.TryParse(parts[1], out var code) ? code : -1, all);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(StateDirectory, recursive: true);
        File.Delete(Options.TokenFile!);
    }
}
