using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What accepts the gateway's clients on its public address and port when the HttpListener cannot do it
/// alone, and relays each connection to the listener on a private port:
/// HTTPS (HttpListener cannot serve TLS on Linux or macOS, dotnet/runtime: the managed listener never loads
/// a certificate), so the front completes the handshake with <see cref="SslStream"/> and relays the
/// decrypted bytes; and any Host name on a loopback or one-address bind, where the listener knows only its
/// own names (<see cref="HostHeaderRewrite"/>). Under TLS the gateway answers only connections this front
/// opened (<see cref="IsRelayed"/>), so the private port is no way around TLS.
/// </summary>
internal sealed class GatewayFront : IAsyncDisposable
{
    /// <summary>A client that has not finished its handshake by then is dropped: it holds a connection slot.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Connections relayed at once; beyond the gateway's own request limit, so that one decides.</summary>
    private const int MaxConnections = ExchangeGateway.MaxConcurrentRequests * 2;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _upstream;
    private readonly X509Certificate2? _certificate;
    private readonly string _listenerHost;
    private readonly ConcurrentDictionary<IPEndPoint, byte> _relayed = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections);
    private Task _accepting = Task.CompletedTask;

    private GatewayFront(TcpListener listener, IPEndPoint upstream, X509Certificate2? certificate, string listenerHost)
    {
        _listener = listener;
        _upstream = upstream;
        _certificate = certificate;
        _listenerHost = listenerHost;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Whether clients speak TLS to this front (then the listener's private port must refuse them).</summary>
    public bool IsTls => _certificate is not null;

    /// <summary>
    /// Listens on <paramref name="address"/>:<paramref name="port"/> and relays to <paramref name="upstream"/>,
    /// over TLS when <paramref name="certificate"/> is given; every request's Host becomes <paramref name="listenerHost"/>
    /// (a name the listener has a prefix for), null: passed on as sent (a wildcard listener takes any).
    /// </summary>
    public static GatewayFront Start(IPAddress address, string bindAddress, int port, IPEndPoint upstream, X509Certificate2? certificate, string? listenerHost)
    {
        var listener = new TcpListener(address, port);
        if (!OperatingSystem.IsWindows())
        {
            // As the HttpListener does: a restart must not wait out TIME_WAIT on the public port.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        try
        {
            listener.Start();
        }
        catch (SocketException error)
        {
            throw ExchangeStartCheck.PortUnavailable(bindAddress, port, error.Message, error);
        }

        var front = new GatewayFront(listener, upstream, certificate, listenerHost ?? "");
        front._accepting = Task.Run(front.AcceptAsync);
        return front;
    }

    /// <summary>True when <paramref name="remote"/> is the local end of a connection this front opened to the gateway.</summary>
    public bool IsRelayed(IPEndPoint? remote) => remote is not null && _relayed.ContainsKey(Normal(remote));

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (!_slots.Wait(0))
            {
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var upstream = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        IPEndPoint? relayed = null;
        try
        {
            client.NoDelay = true;
            await using var clientStream = await OpenClientAsync(client).ConfigureAwait(false);
            upstream.NoDelay = true;
            await upstream.ConnectAsync(_upstream, _stopping.Token).ConfigureAwait(false);
            // Known before the first byte goes up, so the gateway never sees a relayed request it does not recognise.
            relayed = Normal((IPEndPoint)upstream.LocalEndPoint!);
            _relayed[relayed] = 0;
            await using var plain = new NetworkStream(upstream, ownsSocket: false);
            var up = RequestsAsync(clientStream, plain, upstream);
            var down = plain.CopyToAsync(clientStream, _stopping.Token);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            if (up.IsCompletedSuccessfully && !down.IsCompleted)
            {
                // The client finished sending: let the gateway finish answering, for as long as a long poll may.
                await down.WaitAsync(TimeSpan.FromMinutes(10), _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is IOException or SocketException or AuthenticationException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // A client that leaves, fails its handshake or is too slow costs only its own connection.
        }
        finally
        {
            if (relayed is not null)
            {
                _relayed.TryRemove(relayed, out _);
            }

            client.Dispose();
            _slots.Release();
        }
    }

    /// <summary>The client's bytes as the gateway reads them: after the TLS handshake, or the socket itself.</summary>
    private async Task<Stream> OpenClientAsync(Socket client)
    {
        var network = new NetworkStream(client, ownsSocket: true);
        if (_certificate is null)
        {
            return network;
        }

        var tls = new SslStream(network);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        handshake.CancelAfter(HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions { ServerCertificate = _certificate, ClientCertificateRequired = false },
                handshake.Token).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return tls;
    }

    /// <summary>Client to gateway; at the client's end of stream the gateway is told no more requests come.</summary>
    private async Task RequestsAsync(Stream client, Stream plain, Socket upstream)
    {
        if (_listenerHost.Length == 0)
        {
            await client.CopyToAsync(plain, _stopping.Token).ConfigureAwait(false);
        }
        else
        {
            await HostHeaderRewrite.CopyRequestsAsync(client, plain, _listenerHost, _stopping.Token).ConfigureAwait(false);
        }

        upstream.Shutdown(SocketShutdown.Send);
    }

    /// <summary>An IPv4 peer seen by a dual-stack socket is ::ffff:a.b.c.d; both sides compare as IPv4.</summary>
    private static IPEndPoint Normal(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }
}
