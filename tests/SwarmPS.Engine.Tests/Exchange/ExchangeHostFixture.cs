using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>One exchange host process shared by the tests of a class, plus raw-HTTP helpers for requests HttpClient would refuse to send.</summary>
public sealed class ExchangeHostFixture : IDisposable
{
    public const string Token = "hostile-test-token-0123456789abcdef";

    public ExchangeHostFixture()
    {
        StateDirectory = Directory.CreateTempSubdirectory("swarm-hostile-").FullName;
        Host = ExchangeHostProcess.Start(StateDirectory, Token, "--max-body-bytes", "65536");
        Http = new HttpClient { BaseAddress = Host.Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string StateDirectory { get; }

    public ExchangeHostProcess Host { get; }

    public HttpClient Http { get; }

    public HttpRequestMessage Request(HttpMethod method, string path, string? body = null, string? contentType = "application/json", bool authorized = true)
    {
        var request = new HttpRequestMessage(method, path);
        if (authorized)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    /// <summary>Sends bytes as they are (paths with "..", "%2e", odd request lines) and returns the status code.</summary>
    public async Task<int> RawStatusAsync(string requestLine, bool authorized = true)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Host.Url.Host, Host.Url.Port);
        var stream = tcp.GetStream();
        var auth = authorized ? $"Authorization: Bearer {Token}\r\n" : "";
        var bytes = Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: 127.0.0.1\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync() ?? "";
        var parts = status.Split(' ');
        return parts.Length >= 2 && int.TryParse(parts[1], out var code) ? code : -1;
    }

    public void Dispose()
    {
        Http.Dispose();
        Host.Dispose();
        Directory.Delete(StateDirectory, recursive: true);
    }
}
