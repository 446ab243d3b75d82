using System.Net;
using System.Text;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The dashboard's HTTP face on 127.0.0.1 (docs/dashboard.md, "HTTP surface"): the page, the snapshot, the
/// stream of updates (server-sent events) and the run's files, to a browser holding the dashboard's token and
/// to nobody else. HttpListener, as the exchange, so it runs inside pwsh with nothing installed.
/// </summary>
/// <remarks>
/// Login nodes are shared: the listener binds the loopback address only, and every request needs the token,
/// compared in constant time (<see cref="BearerTokenCheck"/>): in the URL once, then in an HttpOnly, SameSite
/// cookie (so it is not left in the address bar or the history), else 401 with an empty body. The page may
/// run only its own inline script and talk only to this origin (Content-Security-Policy), which also keeps a
/// hostile event field from loading anything even if it ever reached the page as markup.
/// </remarks>
public sealed class DashboardServer : IAsyncDisposable
{
    public const string CookieName = "swarmps_dashboard";

    /// <summary>How far past a taken port the server looks for a free one.</summary>
    public const int PortsTried = 100;

    private const int MaxStreams = 64;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StreamBatchDelay = TimeSpan.FromMilliseconds(50);
    private const int MaxEventsPerUpdate = 5000;

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly HttpListener _listener = new();
    private readonly DashboardRun _run;
    private readonly BearerTokenCheck _token;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _streams = new(MaxStreams);
    private readonly byte[] _page = DashboardPage.Live();
    private readonly List<Task> _accepting = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DashboardServer(DashboardRun run, string token, int requestedPort, int port)
    {
        _run = run;
        _token = new BearerTokenCheck(token);
        RequestedPort = requestedPort;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}/");
        UrlWithToken = new Uri($"http://127.0.0.1:{port}/?token={Uri.EscapeDataString(token)}");
        _run.Changed += () => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>The port asked for (0: any free one).</summary>
    public int RequestedPort { get; }

    /// <summary>The port it listens on: the one asked for, or the next free one when that was taken.</summary>
    public int Port { get; }

    public Uri Url { get; }

    /// <summary>The URL an operator opens: it carries the token, which the first answer moves into a cookie.</summary>
    public Uri UrlWithToken { get; }

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/>, or the next free port after it (0: any free port).</summary>
    public static DashboardServer Start(DashboardRun run, string token, int port)
    {
        var candidates = port == 0 ? new[] { 0 } : Enumerable.Range(port, Math.Min(PortsTried, 65536 - port)).ToArray();
        HttpListenerException? last = null;
        foreach (var candidate in candidates)
        {
            var chosen = candidate == 0 ? FreeTcpPort.On(IPAddress.Loopback) : candidate;
            var server = new DashboardServer(run, token, port, chosen);
            server._listener.Prefixes.Add($"http://127.0.0.1:{chosen}/");
            try
            {
                server._listener.Start();
            }
            catch (HttpListenerException error)
            {
                last = error;
                server._listener.Close();
                continue;
            }

            for (var i = 0; i < 4; i++)
            {
                server._accepting.Add(Task.Run(server.AcceptAsync));
            }

            return server;
        }

        throw new SwarmException(
            "DashboardPortUnavailable",
            $"No free port for the dashboard on 127.0.0.1 from {port} to {port + candidates.Length - 1}: {last?.Message}",
            "Pass another -Port (or 0 for any free port), or stop the dashboards you no longer need (Stop-SwarmDashboard).",
            SwarmErrorCategory.ResourceUnavailable,
            port);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _changed.TrySetResult();
        _listener.Close();
        await Task.WhenAll(_accepting).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            response.Headers["Cache-Control"] = "no-store";
            response.Headers["X-Content-Type-Options"] = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers["Content-Security-Policy"] = ContentSecurityPolicy;
            var request = context.Request;
            var path = PathOf(request.RawUrl);
            var queryToken = request.QueryString["token"];
            if (queryToken is not null && _token.IsAuthorized("Bearer " + queryToken))
            {
                // Into a cookie, and out of the address bar: the same path again without its query.
                response.Headers["Set-Cookie"] = $"{CookieName}={queryToken}; HttpOnly; SameSite=Strict; Path=/";
                response.Redirect(path);
                response.Close();
                return;
            }

            if (!_token.IsAuthorized("Bearer " + (request.Cookies[CookieName]?.Value ?? "")))
            {
                response.StatusCode = 401;
                response.Close();
                return;
            }

            if (request.HttpMethod != "GET")
            {
                response.StatusCode = 405;
                response.Close();
                return;
            }

            switch (path)
            {
                case "/":
                    Send(response, "text/html; charset=utf-8", _page);
                    break;
                case "/api/snapshot":
                    response.ContentType = "application/json";
                    DashboardJson.Write(response.OutputStream, _run.Snapshot());
                    response.Close();
                    break;
                case "/api/stream":
                    await StreamAsync(context).ConfigureAwait(false);
                    break;
                default:
                    ServeFile(response, path);
                    break;
            }
        }
        catch (Exception error) when (error is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The browser went away (a closed tab, a reload): nothing to answer.
            response.Abort();
        }
        catch (Exception)
        {
            // A fault of the dashboard itself: the request ends (the browser retries) instead of hanging, and the server serves on.
            response.Abort();
        }
    }

    private static string PathOf(string? rawUrl)
    {
        var raw = rawUrl ?? "/";
        var query = raw.IndexOf('?');
        return query < 0 ? raw : raw[..query];
    }

    private static void Send(HttpListenerResponse response, string contentType, byte[] body)
    {
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    private static void NotFound(HttpListenerResponse response)
    {
        response.StatusCode = 404;
        response.Close();
    }

    /// <summary>/files/&lt;site&gt;/&lt;path&gt;: a file of a site's directory, through <see cref="DashboardFiles"/> only.</summary>
    private void ServeFile(HttpListenerResponse response, string path)
    {
        const string prefix = "/files/";
        var segments = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..].Split('/') : Array.Empty<string>();
        if (segments.Length < 2 || _run.DirectoryOf(Uri.UnescapeDataString(segments[0])) is not { } siteDirectory
            || DashboardFiles.Resolve(siteDirectory, segments[1..]) is not { } file)
        {
            NotFound(response);
            return;
        }

        Send(response, "text/plain; charset=utf-8", DashboardFiles.ReadTail(file));
    }

    /// <summary>
    /// /api/stream?from=&lt;seq&gt;: one "update" event per change (what the client has not seen: events, new
    /// warnings, every site), a comment every <see cref="KeepAlive"/> so proxies and the browser keep it open.
    /// </summary>
    private async Task StreamAsync(HttpListenerContext context)
    {
        var response = context.Response;
        if (!await _streams.WaitAsync(0).ConfigureAwait(false))
        {
            response.StatusCode = 503;
            response.Close();
            return;
        }

        try
        {
            _ = int.TryParse(context.Request.QueryString["from"], out var seq);
            var warningsSeen = _run.WarningCount;
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            var output = response.OutputStream;
            await output.WriteAsync(": connected\n\n"u8.ToArray(), _stopping.Token).ConfigureAwait(false);
            await output.FlushAsync(_stopping.Token).ConfigureAwait(false);
            var sentSites = "";
            while (!_stopping.IsCancellationRequested)
            {
                // Taken before reading, so a change made while this update is written wakes the next wait.
                var changed = Volatile.Read(ref _changed).Task;
                var update = _run.Since(seq, warningsSeen);
                if (update.Events.Count > MaxEventsPerUpdate)
                {
                    update = update with { Events = update.Events.Take(MaxEventsPerUpdate).ToList() };
                }

                var sites = string.Join('\n', update.Sites);
                if (update.Events.Count > 0 || update.Warnings.Count > 0 || sites != sentSites)
                {
                    var body = new MemoryStream();
                    body.Write("event: update\ndata: "u8);
                    DashboardJson.Write(body, update with { Seq = seq + update.Events.Count });
                    body.Write("\n\n"u8);
                    await output.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), _stopping.Token).ConfigureAwait(false);
                    await output.FlushAsync(_stopping.Token).ConfigureAwait(false);
                    seq += update.Events.Count;
                    warningsSeen = update.WarningCount;
                    sentSites = sites;
                    if (seq < _run.Seq)
                    {
                        continue; // more than one update's worth waiting
                    }
                }

                var waited = await Task.WhenAny(changed, Task.Delay(KeepAlive, _stopping.Token)).ConfigureAwait(false);
                if (waited != changed)
                {
                    await output.WriteAsync(": keep-alive\n\n"u8.ToArray(), _stopping.Token).ConfigureAwait(false);
                    await output.FlushAsync(_stopping.Token).ConfigureAwait(false);
                }
                else
                {
                    // A burst of appends becomes one update, not one per poll of each file.
                    await Task.Delay(StreamBatchDelay, _stopping.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The dashboard is stopping.
        }
        finally
        {
            _streams.Release();
            response.Abort();
        }
    }
}
