using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Exchange;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The exchange log under a flood of refused requests (issue 10): anyone who can reach the port can
/// make them, so the log is rate-limited, summarised, escaped and rotated.
/// </summary>
public sealed partial class ExchangeLogLimitsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Forty_thousand_refused_requests_add_a_bounded_log_with_no_control_bytes_and_a_summary()
    {
        var limits = new ExchangeLimits { RefusedLogInterval = TimeSpan.FromSeconds(2), MaxRefusedLogLines = 20 };
        await using var exchange = LimitedExchange.Start(limits);
        exchange.Log.Write("started");
        var before = new FileInfo(exchange.LogPath).Length;

        // First the paths with raw terminal escapes (ESC, BEL, CR, DEL) on the wire: they are within the
        // window's allowance, so they are the lines that get logged.
        const int escapes = 50;
        for (var i = 0; i < escapes; i++)
        {
            Assert.Equal(401, await RawUnauthorizedStatusAsync(exchange, $"/v1/mailboxes/\u001b[31mred\u001b]0;title\u0007\r{i}\u007f"));
        }

        const int flood = 40_000;
        var refused = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; i < flood; i += 16)
            {
                using var response = await exchange.Http.GetAsync($"v1/mailboxes/{new string('x', 180)}{i}");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })));
        Assert.Equal(flood, refused);

        // The summary of the last window comes when the window ends, with no further request.
        await Task.Delay(limits.RefusedLogInterval + TimeSpan.FromSeconds(1));
        var bytes = File.ReadAllBytes(exchange.LogPath);
        var text = Encoding.UTF8.GetString(bytes);
        var growth = bytes.Length - before;
        output.WriteLine($"log grew by {growth} bytes for {flood + escapes} refused requests");

        Assert.True(growth < 256 * 1024, $"the log grew by {growth} bytes");
        Assert.DoesNotContain(bytes, b => b < 0x20 && b != (byte)'\n');
        Assert.DoesNotContain((byte)0x7f, bytes);
        Assert.Contains("\\u001b[31mred", text);
        var summaries = SummaryLine().Matches(text);
        Assert.NotEmpty(summaries);

        // Every refused request is either a line of its own or counted in a summary.
        var logged = text.Split('\n').Count(line => line.Contains(" 401 GET ", StringComparison.Ordinal));
        var summarised = summaries.Sum(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(flood + escapes, logged + summarised);
    }

    [Fact]
    public async Task The_log_is_rotated_at_its_size_limit_to_exchange_log_1()
    {
        var limits = new ExchangeLimits { MaxRefusedLogLines = 100_000, MaxLogBytes = 16 * 1024 };
        await using var exchange = LimitedExchange.Start(limits);
        for (var i = 0; i < 600; i++)
        {
            using var response = await exchange.Http.GetAsync($"v1/mailboxes/rotation-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var current = new FileInfo(exchange.LogPath);
        var rotated = new FileInfo(exchange.LogPath + ".1");
        Assert.True(rotated.Exists, "exchange.log.1 was not written");
        Assert.InRange(current.Length, 1, limits.MaxLogBytes);
        Assert.InRange(rotated.Length, 1, limits.MaxLogBytes);
        Assert.Contains("rotation-599", File.ReadAllText(exchange.LogPath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(exchange.LogPath));
        }
    }

    [Fact]
    public void Escape_writes_every_control_character_as_a_unicode_escape()
    {
        Assert.Equal("a\\u001b[0m\\u000a\\u0000\\u007f\\u009bz", ExchangeLog.Escape("a\u001b[0m\n\0\u007f\u009bz"));
        Assert.Equal("plain/path", ExchangeLog.Escape("plain/path"));
    }

    private static async Task<int> RawUnauthorizedStatusAsync(LimitedExchange exchange, string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(exchange.Gateway.Url.Host, exchange.Gateway.Url.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? "";
        var parts = status.Split(' ');
        return parts.Length >= 2 && int.TryParse(parts[1], out var code) ? code : -1;
    }

    [GeneratedRegex(@"refused (\d+) more requests in the last 2 s")]
    private static partial Regex SummaryLine();
}
