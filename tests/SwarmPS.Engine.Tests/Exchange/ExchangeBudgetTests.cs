using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Exchange;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// Per-mailbox and exchange-wide budgets for long polls and request bodies (issue 10): a client holding
/// the token cannot take every slot or make the exchange buffer without bound, and health always answers.
/// </summary>
public sealed class ExchangeBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Long_polls_over_the_mailbox_or_exchange_budget_get_429_and_health_still_answers()
    {
        var limits = new ExchangeLimits { MaxLongPolls = 6, MaxLongPollsPerMailbox = 2 };
        await using var exchange = LimitedExchange.Start(limits);
        var mailboxes = new List<Guid>();
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            mailboxes.Add((await exchange.Client.RegisterAsync("budget", name)).Id);
        }

        var waiting = new List<Task<HttpResponseMessage>>();
        void Wait(Guid mailbox) => waiting.Add(exchange.Http.SendAsync(exchange.Post($"v1/mailboxes/{mailbox}/receive", """{"maxMessages": 1, "waitMilliseconds": 5000}""")));

        Wait(mailboxes[0]);
        Wait(mailboxes[0]);
        await WaitUntilAsync(() => exchange.Gateway.LongPolls == 2);
        var (status, error, message) = await ReceiveAsync(exchange, mailboxes[0], waitMilliseconds: 5000);
        Assert.Equal(429, status);
        Assert.Equal("LongPollLimitReached", error);
        Assert.Contains("one mailbox", message, StringComparison.Ordinal);

        foreach (var mailbox in mailboxes.Skip(1).Take(2))
        {
            Wait(mailbox);
            Wait(mailbox);
        }

        await WaitUntilAsync(() => exchange.Gateway.LongPolls == 6);
        (status, error, message) = await ReceiveAsync(exchange, mailboxes[3], waitMilliseconds: 5000);
        Assert.Equal(429, status);
        Assert.Equal("LongPollLimitReached", error);
        Assert.Contains("the most it allows", message, StringComparison.Ordinal);

        // A receive that does not wait is no long poll; health takes no slot at all.
        (status, _, _) = await ReceiveAsync(exchange, mailboxes[3], waitMilliseconds: 0);
        Assert.Equal(200, status);
        using (var health = await exchange.Http.GetAsync("v1/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        foreach (var response in await Task.WhenAll(waiting))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        // The budget comes back when the polls end.
        Assert.Equal(0, exchange.Gateway.LongPolls);
        (status, _, _) = await ReceiveAsync(exchange, mailboxes[0], waitMilliseconds: 100);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Stalled_bodies_cannot_make_the_exchange_buffer_more_than_its_limit_and_are_cut_off()
    {
        var limits = new ExchangeLimits { MaxBufferedRequestBytes = 2 * 1024 * 1024, RequestBodyTimeout = TimeSpan.FromSeconds(3) };
        await using var exchange = LimitedExchange.Start(limits);
        var mailbox = (await exchange.Client.RegisterAsync("budget", "target")).Id;

        // Eight senders announce 3 MB each (within MaxRequestBytes), send 300 KiB and stall.
        var chunk = new byte[300 * 1024];
        Array.Fill(chunk, (byte)' ');
        var senders = new List<TcpClient>();
        var started = Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            var tcp = await exchange.OpenRawAsync("POST", $"/v1/mailboxes/{mailbox}/messages", 3_000_000);
            await tcp.GetStream().WriteAsync(chunk);
            senders.Add(tcp);
        }

        output.WriteLine($"opened after {started.Elapsed}");
        started.Restart();
        long mostHeld = 0;
        while (started.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            mostHeld = Math.Max(mostHeld, exchange.Gateway.BufferedRequestBytes);
            await Task.Delay(20);
        }

        using (var health = await exchange.Http.GetAsync("v1/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var answers = await Task.WhenAll(senders.Select(tcp => ReadUntilClosedAsync(tcp, TimeSpan.FromSeconds(15))));
        var elapsed = started.Elapsed;
        output.WriteLine($"most held {mostHeld} bytes; answers: {string.Join(" | ", answers)}; all closed after {elapsed}");

        Assert.InRange(mostHeld, 1, limits.MaxBufferedRequestBytes);
        var refused = answers.Where(a => a.StartsWith("HTTP/1.1 429", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a => Assert.Contains("\"error\":\"RequestBufferLimitReached\"", a, StringComparison.Ordinal));

        // The ones that got buffer room and kept stalling were answered 408 and cut off at the deadline.
        var timedOut = answers.Where(a => a.StartsWith("HTTP/1.1 408", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(timedOut);
        Assert.All(timedOut, a => Assert.Contains("\"error\":\"RequestTimeout\"", a, StringComparison.Ordinal));
        Assert.Equal(answers.Length, refused.Count + timedOut.Count);
        Assert.True(elapsed < TimeSpan.FromSeconds(12), $"stalled senders were held for {elapsed}");
        await WaitUntilAsync(() => exchange.Gateway.BufferedRequestBytes == 0);
        foreach (var tcp in senders)
        {
            tcp.Dispose();
        }

        // The exchange still serves full requests afterwards.
        using var sent = await exchange.Http.SendAsync(exchange.Post($"v1/mailboxes/{mailbox}/messages", """{"body": "after"}"""));
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
    }

    [Fact]
    public async Task A_trickling_sender_is_cut_off_at_the_body_timeout()
    {
        var limits = new ExchangeLimits { RequestBodyTimeout = TimeSpan.FromSeconds(2) };
        await using var exchange = LimitedExchange.Start(limits);
        var mailbox = (await exchange.Client.RegisterAsync("budget", "target")).Id;
        using var tcp = await exchange.OpenRawAsync("POST", $"/v1/mailboxes/{mailbox}/messages", 1000);
        var (answer, elapsed) = await TrickleUntilAnsweredAsync(tcp);
        output.WriteLine($"answer after {elapsed}: {answer}");
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"RequestTimeout\"", answer, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
        await WaitUntilAsync(() => File.ReadAllText(exchange.LogPath).Contains("RequestTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unauthenticated_trickling_body_is_answered_401_and_closed_at_the_body_deadline()
    {
        var limits = new ExchangeLimits { RequestBodyTimeout = TimeSpan.FromSeconds(2) };
        await using var exchange = LimitedExchange.Start(limits);
        using var tcp = await exchange.OpenRawAsync("POST", "/v1/messages", 1_000_000, authorized: false);
        var (answer, elapsed) = await TrickleUntilAnsweredAsync(tcp);
        output.WriteLine($"answer after {elapsed}: {answer}");
        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"Unauthorized\"", answer, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));

        // A small unauthenticated body is skipped and answered on an orderly connection, as before.
        using var small = await exchange.Http.SendAsync(exchange.Post("v1/messages", """{"messages": []}""", authorized: false));
        Assert.Equal(HttpStatusCode.Unauthorized, small.StatusCode);
    }

    /// <summary>
    /// Sends one byte every 200 ms, reading whatever the server answers, until the server closes the
    /// connection; returns the answer and when the connection was closed (10 s at most).
    /// </summary>
    private static async Task<(string Answer, TimeSpan Elapsed)> TrickleUntilAnsweredAsync(TcpClient tcp)
    {
        var stream = tcp.GetStream();
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        var started = Stopwatch.StartNew();
        try
        {
            while (started.Elapsed < TimeSpan.FromSeconds(10))
            {
                while (tcp.Client.Poll(0, SelectMode.SelectRead))
                {
                    var read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        return (Encoding.UTF8.GetString(answer.ToArray()), started.Elapsed);
                    }

                    answer.Write(buffer, 0, read);
                }

                await stream.WriteAsync(" "u8.ToArray());
                await Task.Delay(200);
            }
        }
        catch (IOException)
        {
            // Reset by the server: closed.
            return (Encoding.UTF8.GetString(answer.ToArray()), started.Elapsed);
        }

        return ("STILL OPEN AFTER 10 s: " + Encoding.UTF8.GetString(answer.ToArray()), started.Elapsed);
    }

    private static async Task<(int Status, string? Error, string Message)> ReceiveAsync(LimitedExchange exchange, Guid mailbox, int waitMilliseconds)
    {
        using var response = await exchange.Http.SendAsync(exchange.Post($"v1/mailboxes/{mailbox}/receive", $$"""{"maxMessages": 1, "waitMilliseconds": {{waitMilliseconds}}}"""));
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.TryGetProperty("error", out var id) ? id.GetString() : null;
        var message = json.RootElement.TryGetProperty("message", out var text) ? text.GetString() ?? "" : "";
        return ((int)response.StatusCode, error, message);
    }

    /// <summary>Everything the server sends until it closes the connection (or the bound passes).</summary>
    private static async Task<string> ReadUntilClosedAsync(TcpClient tcp, TimeSpan bound)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            int read;
            while ((read = await tcp.GetStream().ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (Exception error) when (error is IOException or SocketException)
        {
            // Reset by the server: closed.
        }
        catch (OperationCanceledException)
        {
            return "STILL OPEN";
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "condition not reached within 10 s");
            await Task.Delay(20);
        }
    }
}
